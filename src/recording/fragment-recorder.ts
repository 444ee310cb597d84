import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Fmp4Tap } from '../hls/fmp4/feed.js';
import type { InitSegment, Part } from '../hls/fmp4/packager.js';
import { offsetsAt, rebaseFragment } from '../hls/fmp4/rebase.js';
import type { RecordedSegment } from './segment.js';
import { SegmentFile } from './segment-file.js';

export interface FragmentRecorderOptions {
  /** RECORD_DIR/<id> */
  dir: string;
  /** RECORD_SEGMENT_SECONDS: a new file at the first keyframe after it. */
  segmentSeconds: number;
  log: Logger;
  /** Each finished file, in order: cut at a keyframe, or ended with the run. Awaited. */
  onSegment(segment: RecordedSegment): Promise<void>;
  now?: () => number;
}

/** Camera timestamps jitter by a tick or two: a keyframe this close to the target counts as past it. */
const CUT_JITTER_SECONDS = 0.05;
/** Within a run, files follow each other without a gap, unless the camera's clock strays this far from ours. */
const MAX_DRIFT_MS = 2000;

interface OpenSegment {
  file: SegmentFile;
  start: number;
  mediaStart: number;
  mediaEnd: number;
  offsets: Map<number, number>;
}

/**
 * Writes one FFmpeg run of the HLS output's fragmented MP4 as recording
 * segments: each file is the run's init segment followed by whole fragments,
 * starting on a keyframe and rebased to start at zero, so it plays alone and a
 * crash leaves everything up to the last complete fragment (a part, ~200 ms).
 */
export class FragmentRecorder implements Fmp4Tap {
  #init: InitSegment | undefined;
  #open: OpenSegment | undefined;
  /** The run's media time against the wall clock, set at its first file. */
  #anchor: { wall: number; media: number } | undefined;
  /** Files are finished one after another, in the order they were cut. */
  #finishing = Promise.resolve();
  readonly #now: () => number;

  constructor(private readonly options: FragmentRecorderOptions) {
    this.#now = options.now ?? Date.now;
  }

  init(init: InitSegment): void {
    // Fragments after a new init segment need it: they go to a new file.
    if (this.#open) this.#finish(this.#open);
    this.#open = undefined;
    this.#init = init;
  }

  part(part: Part): void {
    const init = this.#init;
    if (!init) return;
    const open = this.#open;
    const due = !open || part.startTime - open.mediaStart >= this.options.segmentSeconds - CUT_JITTER_SECONDS;
    if (due && part.independent) {
      if (open) this.#finish(open);
      this.#open = this.#begin(init, part);
    }
    const current = this.#open;
    if (!current) return; // nothing before the run's first keyframe
    current.file.append(...rebaseFragment(part.data, current.offsets));
    current.mediaEnd = part.startTime + part.duration;
  }

  async end(): Promise<void> {
    if (this.#open) this.#finish(this.#open);
    this.#open = undefined;
    await this.#finishing;
  }

  #begin(init: InitSegment, part: Part): OpenSegment {
    const arrived = this.#now() - part.duration * 1000;
    const chained = this.#anchor && this.#anchor.wall + (part.startTime - this.#anchor.media) * 1000;
    if (chained === undefined || Math.abs(chained - arrived) > MAX_DRIFT_MS) this.#anchor = { wall: arrived, media: part.startTime };
    const start = Math.round(this.#anchor!.wall + (part.startTime - this.#anchor!.media) * 1000);
    const file = new SegmentFile(this.options.dir, start);
    file.append(init.data);
    return {
      file,
      start,
      mediaStart: part.startTime,
      mediaEnd: part.startTime,
      offsets: offsetsAt(part.data, init.tracks, part.startTime),
    };
  }

  #finish(segment: OpenSegment): void {
    const duration = segment.mediaEnd - segment.mediaStart;
    this.#finishing = this.#finishing
      .then(async () => {
        const closed = await segment.file.close();
        if ('error' in closed) throw closed.error;
        // Nothing but the init segment (a part of no length): not footage.
        if (duration <= 0) return rm(path.join(this.options.dir, closed.name), { force: true });
        await this.options.onSegment({ name: closed.name, start: segment.start, duration, bytes: closed.bytes });
      })
      .catch((error: unknown) => this.options.log.error({ err: error }, 'cannot write a recording segment'));
  }
}
