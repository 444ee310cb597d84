import { mediaArgs } from '../ffmpeg/codec-args.js';
import type { OutputPlan } from '../ffmpeg/output-plan.js';
import { SEGMENT_PATTERN } from './layout.js';

export interface RecordingArgs {
  plan: OutputPlan;
  transcodePreset: string;
  /** RECORD_SEGMENT_SECONDS: a new file at the first keyframe after it. */
  segmentSeconds: number;
  /** The camera's folder in RECORD_DIR. */
  dir: string;
  /** pipe:N, where FFmpeg lists each segment it finishes. */
  pipe: string;
}

/**
 * Longest stretch a fragment holds: what a kill -9 can lose at the end of a file.
 * FFmpeg also starts a fragment at every keyframe.
 */
const FRAGMENT_MICROSECONDS = 1_000_000;

/**
 * The recording output's part of the FFmpeg command line: MP4 segments that are
 * fragmented while written (a crash leaves a playable file), each starting at
 * zero, and the name, start and end of every finished one listed on a pipe. Pure.
 */
export function buildRecordingArgs({ plan, transcodePreset, segmentSeconds, dir, pipe }: RecordingArgs): string[] {
  return [
    ...mediaArgs({ plan, transcodePreset, keyframeSeconds: Math.min(segmentSeconds, 2) }),
    '-f',
    'segment',
    '-segment_time',
    String(segmentSeconds),
    '-segment_format',
    'mp4',
    '-segment_format_options',
    // flush_packets: each fragment reaches the file as it is cut, not when a 32 KiB buffer fills.
    `movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=${FRAGMENT_MICROSECONDS}:flush_packets=1`,
    '-reset_timestamps',
    '1',
    '-strftime',
    '1',
    '-segment_list',
    pipe,
    '-segment_list_type',
    'csv',
    `${dir}/${SEGMENT_PATTERN}`,
  ];
}
