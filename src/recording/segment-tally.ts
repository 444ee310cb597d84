import type { RecordedSegment } from './segment.js';

/** What a recording output reports in a stream's status: how many segments it wrote, and the last. */
export class SegmentTally {
  #written = 0;
  #last: RecordedSegment | undefined;

  count(segment: RecordedSegment): void {
    this.#written += 1;
    this.#last = segment;
  }

  status(): { segments_written: number; last_segment: string | undefined } {
    return { segments_written: this.#written, last_segment: this.#last?.name };
  }
}
