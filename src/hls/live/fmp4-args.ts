import { mediaArgs } from '../../ffmpeg/codec-args.js';
import type { OutputPlan } from '../../ffmpeg/output-plan.js';

export interface Fmp4Args {
  plan: OutputPlan;
  transcodePreset: string;
  segmentSeconds: number;
  /**
   * How long FFmpeg's fragments are (the parts). It cuts at the first frame at least this long
   * after the fragment's first, so a part lasts a whole number of frames from here up to one more.
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
    String(Math.round(partSeconds * 1_000_000)),
    '-flush_packets',
    '1',
    pipe,
  ];
}
