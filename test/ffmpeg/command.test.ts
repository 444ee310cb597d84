import { describe, expect, it } from 'vitest';
import { buildFramesArgs } from '../../src/detection/frames-args.js';
import { buildFfmpegArgs } from '../../src/ffmpeg/command.js';
import type { OutputPlan } from '../../src/ffmpeg/output-plan.js';
import type { Input } from '../../src/ffmpeg/source-info.js';
import { buildHlsArgs } from '../../src/hls/hls-args.js';

/** One stream's FFmpeg job: its input, the HLS output, and detection frames when on. */
interface Job {
  input: Input;
  plan: OutputPlan;
  outputDir: string;
  segmentSeconds: number;
  listSize: number;
  transcodePreset: string;
  ioTimeoutMs: number;
  restart: boolean;
  startNumber: number;
  frames?: { fps: number; width: number; height: number; keyframesOnly: boolean };
}

/** The command line as a stream assembles it: the input, then each output's fragment (frames on pipe:3). */
function commandFor({ input, plan, outputDir, ioTimeoutMs, frames, ...hls }: Job): string[] {
  return buildFfmpegArgs({
    input,
    plan,
    ioTimeoutMs,
    decoding: [undefined, ...(frames ? [frames.keyframesOnly ? ('keyframes' as const) : ('all' as const)] : [])],
    outputs: [buildHlsArgs({ plan, dir: outputDir, ...hls }), ...(frames ? [buildFramesArgs(frames, 'pipe:3')] : [])],
  });
}

const rtspJob: Job = {
  input: { kind: 'rtsp', url: 'rtsp://cam.local:554/live', transport: 'tcp' },
  plan: { video: 'copy', audio: 'none' },
  outputDir: '/srv/streams/cam1',
  segmentSeconds: 1,
  listSize: 6,
  transcodePreset: 'veryfast',
  ioTimeoutMs: 5000,
  restart: false,
  startNumber: 1795280000,
};

const HEAD = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-y'];
const RTSP_INPUT = [
  '-protocol_whitelist',
  'rtsp,rtsps,tcp,udp,rtp,tls',
  '-fpsprobesize',
  '0',
  '-analyzeduration',
  '1',
  '-rtsp_transport',
  'tcp',
  '-timeout',
  '5000000',
  '-i',
  'rtsp://cam.local:554/live',
];
const HLS_OUT = [
  '-f',
  'hls',
  '-hls_time',
  '0.9',
  '-hls_list_size',
  '6',
  '-hls_flags',
  'delete_segments+temp_file+omit_endlist',
  '-start_number',
  '1795280000',
  '-hls_segment_filename',
  '/srv/streams/cam1/seg_%d.ts',
  '/srv/streams/cam1/stream.m3u8',
];
const X264 = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-tune',
  'zerolatency',
  '-pix_fmt',
  'yuv420p',
  '-fps_mode',
  'passthrough',
  '-force_key_frames',
  'expr:gte(t,n_forced*1)',
  '-sc_threshold',
  '0',
];

describe('the FFmpeg command of a stream (input + HLS output + detection frames)', () => {
  it.each<[string, Partial<Job>, string[]]>([
    ['H.264 without audio is remuxed', {}, [...HEAD, ...RTSP_INPUT, '-map', '0:v:0', '-c:v', 'copy', '-an', ...HLS_OUT]],
    [
      'H.264 with AAC copies both',
      { plan: { video: 'copy', audio: 'copy' } },
      [...HEAD, ...RTSP_INPUT, '-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...HLS_OUT],
    ],
    [
      'H.264 with G.711 transcodes only the audio',
      { plan: { video: 'copy', audio: 'transcode' } },
      [...HEAD, ...RTSP_INPUT, '-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '128k', ...HLS_OUT],
    ],
    [
      'MJPEG is transcoded with a keyframe on every segment boundary',
      { plan: { video: 'transcode', audio: 'none' } },
      [...HEAD, ...RTSP_INPUT, '-map', '0:v:0', ...X264, '-an', ...HLS_OUT],
    ],
    [
      'a restart marks the seam with a discontinuity',
      { restart: true },
      [
        ...HEAD,
        ...RTSP_INPUT,
        '-map',
        '0:v:0',
        '-c:v',
        'copy',
        '-an',
        ...HLS_OUT.map((arg) => (arg === 'delete_segments+temp_file+omit_endlist' ? `${arg}+discont_start` : arg)),
      ],
    ],
    [
      'UDP transport, 4 s segments and a 10-entry list',
      { input: { kind: 'rtsp', url: 'rtsps://cam/x', transport: 'udp' }, segmentSeconds: 4, listSize: 10, ioTimeoutMs: 2500 },
      [
        ...HEAD,
        '-protocol_whitelist',
        'rtsp,rtsps,tcp,udp,rtp,tls',
        '-fpsprobesize',
        '0',
        '-analyzeduration',
        '1',
        '-rtsp_transport',
        'udp',
        '-timeout',
        '2500000',
        '-i',
        'rtsps://cam/x',
        '-map',
        '0:v:0',
        '-c:v',
        'copy',
        '-an',
        '-f',
        'hls',
        '-hls_time',
        '3.6',
        '-hls_list_size',
        '10',
        ...HLS_OUT.slice(6),
      ],
    ],
    [
      'the demo lavfi graph is paced with -re and transcoded',
      { input: { kind: 'lavfi', graph: 'testsrc2=rate=25' }, plan: { video: 'transcode', audio: 'none' }, transcodePreset: 'ultrafast' },
      [
        ...HEAD,
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=rate=25',
        '-map',
        '0:v:0',
        ...X264.map((arg) => (arg === 'veryfast' ? 'ultrafast' : arg)),
        '-an',
        ...HLS_OUT,
      ],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(commandFor({ ...rtspJob, ...overrides })).toEqual(expected);
  });

  const FRAMES_OUT = [
    '-map',
    '0:v:0',
    '-an',
    '-vf',
    "select='isnan(prev_selected_t)+gte(t-prev_selected_t,0.495)',scale=128:128:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=128:128:(ow-iw)/2:(oh-ih)/2,format=rgb24",
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    'pipe:3',
  ];

  it.each<[string, Partial<Job>, string[]]>([
    [
      'detection adds a second output of sampled, letterboxed RGB frames on a pipe of its own',
      { frames: { fps: 2, width: 128, height: 128, keyframesOnly: false } },
      [...HEAD, ...RTSP_INPUT, '-map', '0:v:0', '-c:v', 'copy', '-an', ...HLS_OUT, ...FRAMES_OUT],
    ],
    [
      'keyframe-only decoding while the video is remuxed',
      { frames: { fps: 2, width: 128, height: 128, keyframesOnly: true } },
      [...HEAD, '-skip_frame', 'nokey', '-threads', '1', ...RTSP_INPUT, '-map', '0:v:0', '-c:v', 'copy', '-an', ...HLS_OUT, ...FRAMES_OUT],
    ],
    [
      'but never while transcoding, which needs every frame',
      { plan: { video: 'transcode', audio: 'none' }, frames: { fps: 2, width: 128, height: 128, keyframesOnly: true } },
      [...HEAD, ...RTSP_INPUT, '-map', '0:v:0', ...X264, '-an', ...HLS_OUT, ...FRAMES_OUT],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(commandFor({ ...rtspJob, ...overrides })).toEqual(expected);
  });

  it('passes the URL as one argument, so nothing in it is ever read as an option', () => {
    const url = 'rtsp://cam/x -f lavfi -i file:/etc/passwd;rm -rf /';
    const args = commandFor({ ...rtspJob, input: { kind: 'rtsp', url, transport: 'tcp' } });
    expect(args[args.indexOf('-i') + 1]).toBe(url);
    expect(args.filter((arg) => arg === '-i')).toHaveLength(1);
  });
});
