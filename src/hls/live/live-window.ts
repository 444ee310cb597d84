import type { Part } from '../fmp4/packager.js';
import { fmp4SegmentName, initName, partName } from '../layout.js';

export interface WindowPart {
  name: string;
  data: Uint8Array;
  duration: number;
  independent: boolean;
}

export interface WindowSegment {
  msn: number;
  /** The segment's own file, once complete. */
  name: string;
  /** Its init segment's file name. */
  init: string;
  parts: WindowPart[];
  /** Seconds, the sum of its parts. */
  duration: number;
  programDateTime: Date;
  /** The first segment of a new FFmpeg run, after an earlier one. */
  discontinuity: boolean;
  /** Starts with a keyframe (every segment does but the one after a run's short first segment). */
  independent: boolean;
  /** Discontinuities before and at this segment since the stream began (EXT-X-DISCONTINUITY-SEQUENCE). */
  discontinuitySequence: number;
  complete: boolean;
  /** All its parts as one file, once complete. */
  data: Uint8Array | undefined;
}

export interface WindowChange {
  /** Segments that this change completed, oldest first. */
  completed: WindowSegment[];
  /** Segments that fell out of the window. */
  removed: WindowSegment[];
}

export interface LiveWindowOptions {
  /** Complete segments listed. */
  listSize: number;
  /** Media sequence number of the first segment. */
  firstMsn: number;
  /** Number of the first part and init file; each later one is one higher. */
  firstFileNumber: number;
}

/**
 * The live edge of one stream: the last listSize complete segments and the
 * one being filled, with their parts, across FFmpeg runs. Pure: the output
 * feeds it parts and the clock, the playlist renderer and the HTTP server read it.
 */
export class LiveWindow {
  readonly segments: WindowSegment[] = [];
  private nextMsn: number;
  private nextFile: number;
  private init: { name: string; data: Uint8Array } | undefined;
  private readonly inits = new Map<string, Uint8Array>();
  /** Media time and wall clock of the current run's first part, to date every later one. */
  private anchor: { media: number; wall: number } | undefined;
  private runStarted = false;
  /** Between setInit and endRun: an FFmpeg run is feeding the window. */
  private running = false;

  constructor(private readonly options: LiveWindowOptions) {
    this.nextMsn = options.firstMsn;
    this.nextFile = options.firstFileNumber;
  }

  /** A new FFmpeg run announced its init segment; returns its file name. */
  setInit(data: Uint8Array): string {
    const name = initName(this.nextFile++);
    this.init = { name, data };
    this.inits.set(name, data);
    this.anchor = undefined;
    this.runStarted = true;
    this.running = true;
    return name;
  }

  /**
   * Adds a part that arrived at `arrivedAt` (ms); returns its file name and what it changed.
   * `segmentStart` opens a new segment with it; `segmentEnd` completes its segment with it.
   */
  addPart(
    part: Part,
    arrivedAt: number,
    { segmentStart, segmentEnd = false }: { segmentStart: boolean; segmentEnd?: boolean },
  ): WindowChange & { part: WindowPart } {
    if (!this.init) throw new Error('a part before any init segment');
    this.anchor ??= { media: part.startTime, wall: arrivedAt };
    const completed: WindowSegment[] = [];
    const open = this.open;
    if (segmentStart || !open) {
      if (open) completed.push(this.complete(open));
      const previous = this.segments.at(-1);
      const discontinuity = this.runStarted && previous !== undefined;
      this.runStarted = false;
      this.segments.push({
        msn: this.nextMsn,
        name: fmp4SegmentName(this.nextMsn),
        init: this.init.name,
        parts: [],
        duration: 0,
        programDateTime: new Date(this.anchor.wall + (part.startTime - this.anchor.media) * 1000),
        discontinuity,
        independent: part.independent,
        discontinuitySequence: (previous?.discontinuitySequence ?? 0) + (discontinuity ? 1 : 0),
        complete: false,
        data: undefined,
      });
      this.nextMsn += 1;
    }
    const segment = this.open!;
    const added: WindowPart = { name: partName(this.nextFile++), data: part.data, duration: part.duration, independent: part.independent };
    segment.parts.push(added);
    segment.duration += part.duration;
    if (segmentEnd) completed.push(this.complete(segment));
    return { part: added, completed, removed: this.trim() };
  }

  /** The FFmpeg run ended: its last segment is as complete as it will get. */
  endRun(): WindowChange {
    const open = this.open;
    const completed = open ? [this.complete(open)] : [];
    this.runStarted = true;
    this.running = false;
    return { completed, removed: this.trim() };
  }

  /** The segment being filled, if any. */
  get open(): WindowSegment | undefined {
    const last = this.segments.at(-1);
    return last && !last.complete ? last : undefined;
  }

  /** A run is going on, so a next part is coming: players may be told its name. */
  get expectsPart(): boolean {
    return this.running;
  }

  /** The name the next part will have (the preload hint). */
  get nextPartName(): string {
    return partName(this.nextFile);
  }

  /** The bytes of a file in the window: an init segment, a segment or a part. */
  file(name: string): Uint8Array | undefined {
    const init = this.inits.get(name);
    if (init) return init;
    for (const segment of this.segments) {
      if (segment.name === name) return segment.data;
      const part = segment.parts.find((p) => p.name === name);
      if (part) return part.data;
    }
    return undefined;
  }

  /** The newest segment's number and its newest part's index (-1: none yet). */
  get edge(): { msn: number; part: number; lastCompleteMsn: number } {
    const last = this.segments.at(-1);
    const lastComplete = [...this.segments].reverse().find((segment) => segment.complete);
    return {
      msn: last?.msn ?? this.nextMsn - 1,
      part: (last?.parts.length ?? 0) - 1,
      lastCompleteMsn: lastComplete?.msn ?? this.options.firstMsn - 1,
    };
  }

  private complete(segment: WindowSegment): WindowSegment {
    segment.complete = true;
    const data = new Uint8Array(segment.parts.reduce((sum, part) => sum + part.data.length, 0));
    let offset = 0;
    for (const part of segment.parts) {
      data.set(part.data, offset);
      // From now on the part is a view into the segment: its bytes are kept once.
      part.data = data.subarray(offset, offset + part.data.length);
      offset += part.data.length;
    }
    segment.data = data;
    return segment;
  }

  private trim(): WindowSegment[] {
    const removed: WindowSegment[] = [];
    while (this.segments.filter((segment) => segment.complete).length > this.options.listSize) {
      removed.push(this.segments.shift()!);
    }
    const initsInUse = new Set([...this.segments.map((segment) => segment.init), this.init?.name]);
    for (const name of this.inits.keys()) if (!initsInUse.has(name)) this.inits.delete(name);
    return removed;
  }
}
