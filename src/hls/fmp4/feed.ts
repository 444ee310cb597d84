import type { InitSegment, Part } from './packager.js';

/** One FFmpeg run's fragmented MP4, handed on part by part as the HLS packager cuts it. */
export interface Fmp4Tap {
  /** The run's init segment (ftyp + moov); comes before any part. */
  init(init: InitSegment): void;
  /** A complete fragment (moof + mdat); the first one a run hands on starts with a keyframe. */
  part(part: Part): void;
  /** FFmpeg has exited: nothing more comes from this run. Awaited before the next run starts. */
  end(): Promise<void>;
}

/**
 * An output whose fragmented MP4 others may share: the daemon-packaged HLS.
 * The recording takes its footage from it rather than asking FFmpeg to mux
 * the same packets a second time.
 */
export interface Fmp4Feed {
  /** Opens a tap for every run of the stream's FFmpeg from now on. */
  addTap(openTap: () => Fmp4Tap): void;
}

export function isFmp4Feed<T extends object>(output: T): output is T & Fmp4Feed {
  return typeof (output as Partial<Fmp4Feed>).addTap === 'function';
}
