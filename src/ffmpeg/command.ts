import { inputArgs } from './input-args.js';
import type { OutputPlan } from './output-plan.js';
import type { Input } from './source-info.js';

/** How much of the video FFmpeg must decode for an output; undefined: none (it is remuxed). */
export type DecodeNeed = 'keyframes' | 'all' | undefined;

export interface FfmpegCommand {
  input: Input;
  plan: OutputPlan;
  /** Network I/O timeout: how FFmpeg notices a camera (RTSP, HTTP) that went silent. */
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
    ...inputArgsOf(command),
    ...command.outputs.flat(),
  ];
}

function inputArgsOf({ input, ioTimeoutMs, plan, decoding }: FfmpegCommand): string[] {
  // When the video is remuxed only outputs that look at pictures decode; if all of them make do with
  // keyframes, the decoder may skip the rest (and one keyframe a second needs no decoder threads).
  // A transcode needs every frame.
  const needs = decoding.filter((need) => need !== undefined);
  const keyframesOnly = plan.video === 'copy' && needs.length > 0 && needs.every((need) => need === 'keyframes');
  return inputArgs(input, { ioTimeoutMs, keyframesOnly });
}
