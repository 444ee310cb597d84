import { jpegPipeArgs } from './jpeg-pipe-args.js';

/**
 * The snapshot output of the FFmpeg command: one full-resolution JPEG of a
 * keyframe every `intervalSeconds` (or at the first keyframe after, when the
 * camera's GOP is longer). Only keyframes are picked, so that a remuxed
 * camera's decoder may skip every other frame. Pure.
 */
export function buildSnapshotArgs(intervalSeconds: number, pipe: string): string[] {
  // 50 ms short of the interval, for keyframes whose RTP timestamps jitter.
  const interval = Number(Math.max(intervalSeconds - 0.05, 0.05).toFixed(3));
  return jpegPipeArgs(`eq(pict_type,I)*(isnan(prev_selected_t)+gte(t-prev_selected_t,${interval}))`, pipe);
}
