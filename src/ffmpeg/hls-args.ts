import path from 'node:path';
import type { OutputPlan } from './output-plan.js';
import type { Input } from './source-info.js';

export const PLAYLIST_NAME = 'stream.m3u8';
const SEGMENT_PATTERN = 'seg_%d.ts';

/**
 * Network protocols an RTSP input may use. FFmpeg would otherwise follow a URL
 * into file:, concat:, subfile:, http: and friends.
 */
const RTSP_PROTOCOL_WHITELIST = 'rtsp,rtsps,tcp,udp,rtp,tls';

export interface HlsJob {
  input: Input;
  plan: OutputPlan;
  outputDir: string;
  segmentSeconds: number;
  listSize: number;
  transcodePreset: string;
  /** RTSP socket I/O timeout: how FFmpeg notices a camera that went silent. */
  ioTimeoutMs: number;
  /** Restarting over a previous run's playlist: mark the seam for players. */
  restart: boolean;
  /** Sequence number of the first segment; always above any earlier one, so names never repeat. */
  startNumber: number;
  /** A second output on the same process: sampled RGB frames on stdout for the detector. */
  frames?: FrameOutputSpec;
}

export interface FrameOutputSpec {
  fps: number;
  /** The model's input size; frames are letterboxed into it. */
  width: number;
  height: number;
  /** Decode keyframes only (-skip_frame nokey); honoured only while the video is remuxed. */
  keyframesOnly: boolean;
}

/**
 * FFmpeg cuts at the first keyframe at least hls_time after the last cut. RTP
 * timestamps jitter by a tick or two, so a GOP of exactly the target length
 * often measures a hair short and the cut slips a whole GOP (a 2 s first
 * segment instead of 1 s). Asking for 90 % keeps cuts on the intended keyframes.
 */
const CUT_TOLERANCE = 0.9;

/** The whole FFmpeg command line for one HLS job. Pure: spawning lives elsewhere. */
export function buildHlsArgs(job: HlsJob): string[] {
  return [
    // info, not warning: the "Input #0" block on stderr is how the daemon learns the codecs.
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'info',
    '-y',
    ...inputArgs(job),
    '-map',
    '0:v:0',
    // '?': the first attempt copies audio "if there is any", before the codecs are known.
    ...(job.plan.audio === 'none' ? [] : ['-map', '0:a:0?']),
    ...videoArgs(job),
    ...audioArgs(job),
    ...hlsOutputArgs(job),
    ...(job.frames ? frameOutputArgs(job.frames) : []),
  ];
}

function inputArgs({ input, ioTimeoutMs, frames, plan }: HlsJob): string[] {
  if (input.kind === 'lavfi') {
    // lavfi sources run as fast as the CPU allows; -re paces them like a camera.
    return ['-re', '-f', 'lavfi', '-i', input.graph];
  }
  // Only the detector decodes when the video is remuxed, so it may skip all but keyframes
  // (and one keyframe a second needs no decoder threads); a transcode needs every frame.
  const skip = frames?.keyframesOnly && plan.video === 'copy' ? ['-skip_frame', 'nokey', '-threads', '1'] : [];
  return [
    ...skip,
    '-protocol_whitelist',
    RTSP_PROTOCOL_WHITELIST,
    // Codecs and sizes come from the camera's SDP; FFmpeg's default analysis
    // holds the first segment back by about a second for nothing.
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-rtsp_transport',
    input.transport,
    '-timeout',
    String(Math.round(ioTimeoutMs * 1000)),
    '-i',
    input.url,
  ];
}

function videoArgs({ plan, transcodePreset, segmentSeconds }: HlsJob): string[] {
  if (plan.video === 'copy') return ['-c:v', 'copy'];
  return [
    '-c:v',
    'libx264',
    '-preset',
    transcodePreset,
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    // Keep the camera's own timestamps: with the quick probe the input rate is
    // unknown, and a guessed constant rate makes FFmpeg duplicate frames by the thousand.
    '-fps_mode',
    'passthrough',
    // A keyframe on every segment boundary; libx264's default GOP (250 frames)
    // would make 10 s segments and a 10 s wait for the first playlist.
    '-force_key_frames',
    `expr:gte(t,n_forced*${segmentSeconds})`,
    '-sc_threshold',
    '0',
  ];
}

function audioArgs({ plan }: HlsJob): string[] {
  switch (plan.audio) {
    case 'copy':
      return ['-c:a', 'copy'];
    case 'transcode':
      return ['-c:a', 'aac', '-b:a', '128k'];
    case 'none':
      return ['-an'];
  }
}

function hlsOutputArgs({ outputDir, segmentSeconds, listSize, restart, startNumber }: HlsJob): string[] {
  // temp_file: players and Nginx never see half-written segments or playlists.
  // omit_endlist: a restart must not tell players the stream has ended.
  const flags = ['delete_segments', 'temp_file', 'omit_endlist', ...(restart ? ['discont_start'] : [])];
  return [
    '-f',
    'hls',
    '-hls_time',
    String(Number((segmentSeconds * CUT_TOLERANCE).toFixed(3))),
    '-hls_list_size',
    String(listSize),
    '-hls_flags',
    flags.join('+'),
    '-start_number',
    String(startNumber),
    '-hls_segment_filename',
    path.join(outputDir, SEGMENT_PATTERN),
    path.join(outputDir, PLAYLIST_NAME),
  ];
}

/**
 * Frames for the detector: at most `fps` a second (select, unlike fps=, never
 * duplicates frames when keyframes come slower), scaled into the model's input
 * with the aspect ratio kept (black bars), as packed RGB on stdout.
 */
function frameOutputArgs({ fps, width, height }: FrameOutputSpec): string[] {
  // 5 ms short of the interval, for the same RTP jitter as CUT_TOLERANCE: 1 s keyframes
  // measured 0.999 s apart would otherwise be skipped every other time.
  const interval = Number((1 / fps - 0.005).toFixed(4));
  const filters = [
    `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${interval})'`,
    `scale=${width}:${height}:force_original_aspect_ratio=decrease:force_divisible_by=2`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`,
    'format=rgb24',
  ];
  return ['-map', '0:v:0', '-an', '-vf', filters.join(','), '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:1'];
}
