import { mediaArgs } from '../../ffmpeg/codec-args.js';
import type { OutputPlan } from '../../ffmpeg/output-plan.js';

export interface Fmp4Args {
  plan: OutputPlan;
  transcodePreset: string;
  segmentSeconds: number;
  /**
   * How long FFmpeg's fragments (the parts) should be. It cuts before the first frame whose
   * timestamp is at least -frag_duration after the fragment's first, so a part lasts a whole
   * number of frames.
   */
  partSeconds: number;
  /** pipe:N */
  pipe: string;
}

/**
 * The low-latency output's part of the FFmpeg command line: fragmented MP4 on a
 * pipe, a new fragment at every keyframe and at most every part target, flushed
 * as soon as it is complete. Pure.
 */
/**
 * Camera timestamps jitter by a tick or two: with -frag_duration exactly three frames long, the
 * fourth frame often lands a hair early and joins the part. Asking for 90 % keeps parts on the
 * intended frame count (and so the declared part target, and the latency, where they were meant to be).
 */
const FRAGMENT_TOLERANCE = 0.9;

export function buildFmp4Args({ plan, transcodePreset, segmentSeconds, partSeconds, pipe }: Fmp4Args): string[] {
  return [
    ...mediaArgs({ plan, transcodePreset, keyframeSeconds: segmentSeconds }),
    '-f',
    'mp4',
    // empty_moov: the init segment comes first, alone; default_base_moof: each fragment stands alone;
    // skip_trailer: no index at the end (nobody seeks in a pipe).
    '-movflags',
    'empty_moov+default_base_moof+frag_keyframe+skip_trailer',
    '-frag_duration',
    String(Math.round(partSeconds * FRAGMENT_TOLERANCE * 1_000_000)),
    '-flush_packets',
    '1',
    pipe,
  ];
}
