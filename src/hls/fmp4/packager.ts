import { type Box, BoxSplitter, Fmp4FormatError } from './boxes.js';
import { readFragment, readTracks, type Track } from './tracks.js';

export interface InitSegment {
  /** ftyp + moov, as one file. */
  data: Uint8Array;
  tracks: Track[];
}

export interface Part {
  /** moof + mdat, as one file. */
  data: Uint8Array;
  /** Seconds of media it holds. */
  duration: number;
  /** Media time of its start, in seconds (from the reference track). */
  startTime: number;
  /** Starts with a keyframe (or holds audio only, where every frame stands alone). */
  independent: boolean;
}

export type PackagerEvent =
  | { type: 'init'; init: InitSegment }
  /**
   * `segmentStart`: this part opens a new segment (and so closes any still open before it).
   * `segmentEnd`: this part closes its segment now, without waiting for the part after it.
   */
  | { type: 'part'; part: Part; segmentStart: boolean; segmentEnd: boolean };

export interface PackagerOptions {
  segmentSeconds: number;
  /**
   * End the run's first segment with the first part that makes it this long, keyframe or not,
   * and make each part until the next keyframe a segment of its own. Players (hls.js among them)
   * start only once a playlist lists a complete segment: a short first one lets them start sooner,
   * and one-part segments for the rest of the GOP let them follow the live edge at once even
   * where they load whole segments only (hls.js does until its buffer is ahead of the parts).
   */
  firstSegmentSeconds?: number;
}

/**
 * RTP timestamps jitter by a tick or two, so a GOP of exactly the target length
 * often measures a hair short; cutting at 90 % keeps segments on the intended keyframes.
 */
const CUT_TOLERANCE = 0.9;

/**
 * Turns FFmpeg's fragmented MP4 into the pieces of low-latency HLS: the init
 * segment (ftyp + moov), and parts (each moof + mdat), grouped into segments
 * that start on a keyframe at least the segment target after the previous
 * one. Pure: bytes in, events out; one packager per FFmpeg run.
 */
export class Fmp4Packager {
  private readonly splitter = new BoxSplitter();
  private ftyp: Box | undefined;
  private tracks: Track[] | undefined;
  private moof: Box | undefined;
  private segmentStartTime: number | undefined;
  /** first: the run's first segment; rest: the rest of its GOP, a part per segment; steady: keyframe cuts. */
  private phase: 'first' | 'rest' | 'steady';
  /** The segment was ended early: the next part opens a new one, keyframe or not. */
  private segmentEnded = false;

  constructor(private readonly options: PackagerOptions) {
    this.phase = options.firstSegmentSeconds === undefined ? 'steady' : 'first';
  }

  /** Feeds bytes from the pipe; throws Fmp4FormatError on bytes that are not fragmented MP4. */
  push(chunk: Uint8Array): PackagerEvent[] {
    const events: PackagerEvent[] = [];
    for (const box of this.splitter.push(chunk)) {
      const event = this.take(box);
      if (event) events.push(event);
    }
    return events;
  }

  /** Bytes of a fragment cut off when FFmpeg ended; they are dropped. */
  get truncatedBytes(): number {
    return this.splitter.leftover + (this.moof?.bytes.length ?? 0);
  }

  private take(box: Box): PackagerEvent | undefined {
    switch (box.type) {
      case 'ftyp':
        this.ftyp = box;
        return undefined;
      case 'moov': {
        const tracks = readTracks(box);
        this.tracks = tracks;
        const head = this.ftyp?.bytes ?? new Uint8Array(0);
        const data = new Uint8Array(head.length + box.bytes.length);
        data.set(head);
        data.set(box.bytes, head.length);
        return { type: 'init', init: { data, tracks } };
      }
      case 'moof':
        if (!this.tracks) throw new Fmp4FormatError('a fragment before the init segment');
        this.moof = box;
        return undefined;
      case 'mdat': {
        const moof = this.moof;
        if (!moof) return undefined; // an mdat of a non-fragmented file: not ours to package
        this.moof = undefined;
        return this.part(moof, box);
      }
      default:
        return undefined; // styp, sidx, free, mfra…: nothing a part needs
    }
  }

  private part(moof: Box, mdat: Box): PackagerEvent | undefined {
    const tracks = this.tracks!;
    const runs = readFragment(moof, tracks);
    const video = tracks.find((track) => track.kind === 'video');
    const reference = video ?? tracks.find((track) => track.kind === 'audio') ?? tracks[0];
    if (!reference) throw new Fmp4FormatError('an init segment without tracks');
    const seconds = (run: { duration: number }, track: Track) => run.duration / track.timescale;
    const referenceRun = runs.find((run) => run.trackId === reference.id && run.samples > 0);
    // The reference track's time is the stream's timeline; a fragment without it (audio between
    // video frames) lasts as long as its longest track.
    let duration = referenceRun ? seconds(referenceRun, reference) : 0;
    if (!referenceRun) {
      for (const run of runs) {
        const track = tracks.find((t) => t.id === run.trackId);
        if (track) duration = Math.max(duration, seconds(run, track));
      }
    }
    const firstRun = referenceRun ?? runs.find((run) => run.samples > 0);
    const firstTrack = firstRun && tracks.find((t) => t.id === firstRun.trackId);
    if (!firstRun || !firstTrack) return undefined; // an empty fragment
    const startTime = firstRun.baseDecodeTime / firstTrack.timescale;
    const independent = video ? referenceRun?.startsWithSync === true : true;

    // Until the first keyframe, nothing can be decoded: those parts are dropped.
    if (this.segmentStartTime === undefined && !independent) return undefined;
    const elapsed = this.segmentStartTime === undefined ? Number.POSITIVE_INFINITY : startTime - this.segmentStartTime;
    const { segmentSeconds, firstSegmentSeconds = 0 } = this.options;
    let segmentStart = this.segmentEnded || (independent && elapsed >= segmentSeconds * CUT_TOLERANCE);
    if (this.phase === 'rest' && independent) {
      this.phase = 'steady';
      segmentStart = true;
    }
    if (segmentStart) this.segmentStartTime = startTime;
    // A keyframe cut is known only once the keyframe's part arrives; an early end is known as soon
    // as the segment's last part is there, a part sooner.
    const length = startTime + duration - this.segmentStartTime!;
    const segmentEnd = this.phase === 'rest' || (this.phase === 'first' && length >= firstSegmentSeconds * CUT_TOLERANCE);
    if (segmentEnd && this.phase === 'first') this.phase = 'rest';
    this.segmentEnded = segmentEnd;

    const data = new Uint8Array(moof.bytes.length + mdat.bytes.length);
    data.set(moof.bytes);
    data.set(mdat.bytes, moof.bytes.length);
    return { type: 'part', part: { data, duration, startTime, independent }, segmentStart, segmentEnd };
  }
}
