import type { Fmp4Feed } from '../hls/fmp4/feed.js';
import type { PreparedOutput, StreamOutput } from '../streams/output.js';
import { FragmentRecorder, type FragmentRecorderOptions } from './fragment-recorder.js';
import type { RecordedSegment } from './segment.js';
import { SegmentTally } from './segment-tally.js';

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
  readonly #tally = new SegmentTally();

  constructor(feed: Fmp4Feed, options: FragmentRecorderOptions) {
    const onSegment = async (segment: RecordedSegment) => {
      this.#tally.count(segment);
      await options.onSegment(segment);
    };
    feed.addTap(() => new FragmentRecorder({ ...options, onSegment }));
  }

  async prepare(): Promise<PreparedOutput> {
    return { args: [], open: () => ({ end: () => {} }) };
  }

  status() {
    return this.#tally.status();
  }

  close(): void {}
}
