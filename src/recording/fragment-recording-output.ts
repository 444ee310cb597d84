import type { Fmp4Feed } from '../hls/fmp4/feed.js';
import type { PreparedOutput, StreamOutput } from '../streams/output.js';
import { FragmentRecorder, type FragmentRecorderOptions } from './fragment-recorder.js';
import type { RecordedSegment } from './segment.js';

/**
 * The recording of a camera whose HLS the daemon packages: its segments are
 * written by the daemon from the HLS output's fragmented MP4, so FFmpeg muxes
 * every packet once, whatever the camera keeps. Adds nothing to the command line.
 */
export class FragmentRecordingOutput implements StreamOutput {
  readonly kind = 'recording';
  readonly provesLiveness = false;
  readonly usesPipe = false;
  readonly decodes = undefined;
  #written = 0;
  #last: RecordedSegment | undefined;

  constructor(feed: Fmp4Feed, options: FragmentRecorderOptions) {
    const onSegment = async (segment: RecordedSegment) => {
      this.#written += 1;
      this.#last = segment;
      await options.onSegment(segment);
    };
    feed.addTap(() => new FragmentRecorder({ ...options, onSegment }));
  }

  async prepare(): Promise<PreparedOutput> {
    return { args: [], open: () => ({ end: () => {} }) };
  }

  status(): { segments_written: number; last_segment: string | undefined } {
    return { segments_written: this.#written, last_segment: this.#last?.name };
  }

  close(): void {}
}
