import { mediaArgs } from '../ffmpeg/codec-args.js';
import type { OutputPlan } from '../ffmpeg/output-plan.js';
import { playlistFile, segmentFilePattern } from './layout.js';

export interface HlsArgs {
  plan: OutputPlan;
  dir: string;
  segmentSeconds: number;
  listSize: number;
  transcodePreset: string;
  /** Restarting over a previous run's playlist: mark the seam for players. */
  restart: boolean;
  /** Sequence number of the first segment; always above any earlier one, so names never repeat. */
  startNumber: number;
}

/**
 * FFmpeg cuts at the first keyframe at least hls_time after the last cut. RTP
 * timestamps jitter by a tick or two, so a GOP of exactly the target length
 * often measures a hair short and the cut slips a whole GOP (a 2 s first
 * segment instead of 1 s). Asking for 90 % keeps cuts on the intended keyframes.
 */
const CUT_TOLERANCE = 0.9;

/** The HLS output's part of the FFmpeg command line (MPEG-TS segments and a live playlist). Pure. */
export function buildHlsArgs({ plan, dir, segmentSeconds, listSize, transcodePreset, restart, startNumber }: HlsArgs): string[] {
  // temp_file: players and Nginx never see half-written segments or playlists.
  // omit_endlist: a restart must not tell players the stream has ended.
  const flags = ['delete_segments', 'temp_file', 'omit_endlist', ...(restart ? ['discont_start'] : [])];
  return [
    ...mediaArgs({ plan, transcodePreset, keyframeSeconds: segmentSeconds }),
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
    segmentFilePattern(dir),
    playlistFile(dir),
  ];
}
