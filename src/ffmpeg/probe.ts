import { execa } from 'execa';
import { classifyFailure, SourceFailure } from './failure.js';
import { RTSP_PROTOCOL_WHITELIST } from './hls-args.js';
import type { SourceInfo } from './source-info.js';
import { StderrTail } from './stderr-tail.js';

export interface ProbeOptions {
  ffprobePath: string;
  transport: 'tcp' | 'udp';
  timeoutMs: number;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

export function probeArgs(url: string, { transport, timeoutMs }: Omit<ProbeOptions, 'ffprobePath'>): string[] {
  return [
    '-hide_banner', '-v', 'error',
    '-protocol_whitelist', RTSP_PROTOCOL_WHITELIST,
    '-rtsp_transport', transport,
    '-timeout', String(Math.round(timeoutMs * 1000)),
    '-show_entries', 'stream=codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate,sample_rate,channels',
    '-of', 'json',
    url,
  ];
}

/** Asks ffprobe what an RTSP source carries: codecs, resolution, frame rate. */
export async function probeRtsp(url: string, options: ProbeOptions): Promise<SourceInfo> {
  const result = await execa(options.ffprobePath, probeArgs(url, options), {
    reject: false,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 1000,
    stdin: 'ignore',
  });
  const tail = new StderrTail();
  for (const line of result.stderr.split('\n').filter(Boolean)) tail.push(line);

  if (result.timedOut) {
    throw new SourceFailure(
      { cause: 'source_timeout', message: `the camera did not answer within ${options.timeoutMs / 1000} s` },
      tail.snapshot(),
    );
  }
  if (result.failed) {
    if (result.code === 'ENOENT') {
      throw new SourceFailure({ cause: 'ffmpeg_failed', message: `ffprobe not found at ${options.ffprobePath}` }, []);
    }
    throw new SourceFailure(classifyFailure(tail.snapshot()), tail.snapshot());
  }
  const info = parseProbeOutput(result.stdout);
  if (!info.video) {
    throw new SourceFailure({ cause: 'source_invalid_data', message: 'the source has no video stream' }, tail.snapshot());
  }
  return info;
}

export function parseProbeOutput(json: string): SourceInfo {
  const streams: ProbeStream[] = (JSON.parse(json) as { streams?: ProbeStream[] }).streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && s.codec_name);
  const audio = streams.find((s) => s.codec_type === 'audio' && s.codec_name);
  const info: SourceInfo = {};
  if (video) {
    info.video = {
      codec: video.codec_name as string,
      width: video.width || undefined,
      height: video.height || undefined,
      fps: parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate),
    };
  }
  if (audio) {
    info.audio = {
      codec: audio.codec_name as string,
      sampleRate: audio.sample_rate ? Number(audio.sample_rate) : undefined,
      channels: audio.channels,
    };
  }
  return info;
}

/** "25/1" → 25; "0/0" and junk → undefined. RTSP often reports 90000/1 or worse, so cap it. */
function parseRate(rate: string | undefined): number | undefined {
  const [num, den] = (rate ?? '').split('/').map(Number);
  if (!num || !den) return undefined;
  const fps = num / den;
  return fps > 0 && fps <= 240 ? Math.round(fps * 100) / 100 : undefined;
}
