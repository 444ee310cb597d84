import type { OutputPlan } from './output-plan.js';
import type { Input } from './source-info.js';

/**
 * Network protocols an RTSP input may use. FFmpeg would otherwise follow a URL
 * into file:, concat:, subfile:, http: and friends.
 */
const RTSP_PROTOCOL_WHITELIST = 'rtsp,rtsps,tcp,udp,rtp,tls';

/** How much of the video FFmpeg must decode for an output; undefined: none (it is remuxed). */
export type DecodeNeed = 'keyframes' | 'all' | undefined;

export interface FfmpegCommand {
  input: Input;
  plan: OutputPlan;
  /** RTSP socket I/O timeout: how FFmpeg notices a camera that went silent. */
  ioTimeoutMs: number;
  /** What each output needs decoded. */
  decoding: DecodeNeed[];
  /** Each output's own argument fragment, in order. */
  outputs: string[][];
}

/** The whole FFmpeg command line: one input, then every output's fragment. Pure: spawning lives elsewhere. */
export function buildFfmpegArgs(command: FfmpegCommand): string[] {
  return [
    // info, not warning: the "Input #0" block on stderr is how the daemon learns the codecs.
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'info',
    '-y',
    ...inputArgs(command),
    ...command.outputs.flat(),
  ];
}

function inputArgs({ input, ioTimeoutMs, plan, decoding }: FfmpegCommand): string[] {
  if (input.kind === 'lavfi') {
    // lavfi sources run as fast as the CPU allows; -re paces them like a camera.
    return ['-re', '-f', 'lavfi', '-i', input.graph];
  }
  // When the video is remuxed only outputs that look at pictures decode; if all of them make do with
  // keyframes, the decoder may skip the rest (and one keyframe a second needs no decoder threads).
  // A transcode needs every frame.
  const needs = decoding.filter((need) => need !== undefined);
  const keyframesOnly = plan.video === 'copy' && needs.length > 0 && needs.every((need) => need === 'keyframes');
  return [
    ...(keyframesOnly ? ['-skip_frame', 'nokey', '-threads', '1'] : []),
    '-protocol_whitelist',
    RTSP_PROTOCOL_WHITELIST,
    // FFmpeg's default analysis counts 20 frames to estimate the frame rate, holding the first
    // output back by about a second for nothing; without it, analysis ends as soon as every
    // stream's parameters are known (from the SDP, else at the first keyframe's SPS), which MP4
    // muxers need before they can write their header.
    '-fpsprobesize',
    '0',
    '-analyzeduration',
    '1',
    '-rtsp_transport',
    input.transport,
    '-timeout',
    String(Math.round(ioTimeoutMs * 1000)),
    '-i',
    input.url,
  ];
}
