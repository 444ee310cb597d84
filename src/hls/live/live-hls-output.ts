import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { AppError } from '../../errors/app-error.js';
import type { OutputRun, OutputRunContext, PreparedOutput, RunPlan, StreamOutput } from '../../streams/output.js';
import type { Fmp4Feed, Fmp4Tap } from '../fmp4/feed.js';
import { Fmp4Packager, type PackagerEvent } from '../fmp4/packager.js';
import { buildFmp4Args } from './fmp4-args.js';
import { LiveWindow, type WindowChange, type WindowSegment } from './live-window.js';
import { renderPlaylist } from './render-playlist.js';
import { Waiters } from './waiters.js';
import { writeAtomically } from './write-atomically.js';

export interface LiveHlsOptions {
  dir: string;
  segmentSeconds: number;
  partSeconds: number;
  listSize: number;
  transcodePreset: string;
  /** lowlatency: parts, preload hints, blocking reload; otherwise plain fMP4 HLS. */
  lowLatency: boolean;
  /**
   * HLS_PARTS_ON_DISK: write every part to the folder too. Parts are asked for while they are
   * in memory (a playlist lists only the last few seconds of them), and Nginx fetches what is
   * not on disk from the daemon through its cache; writing and deleting eight files a second
   * per stream was half of the daemon's CPU at 200 streams.
   */
  partsOnDisk: boolean;
  onSegment(segment: { file: string; bytes: number }): void;
  log: Logger;
  now?: () => number;
}

/** What a blocking playlist request asks for (the query's _HLS_msn, _HLS_part, _HLS_skip). */
export interface PlaylistRequest {
  msn?: number;
  part?: number;
  skip?: boolean;
}

/** The first segment of a run lasts one PART-HOLD-BACK (3 part targets): players start on it as soon as it is listed. */
const FIRST_SEGMENT_PARTS = 3;

/**
 * A part lasts a whole number of frames: HLS_PART_TIME itself when the frame rate divides it (25,
 * 30, 20, 15, 10 fps for 0.2 s), a little more otherwise (208 ms at 24 fps). The spec wants every
 * part but a segment's last within 85–100 % of PART-TARGET, so the target is announced 5 % above
 * the part time and raised to the longest part seen, rounded up to 10 ms.
 */
const PART_SLACK = 1.05;
const declaredPartTarget = (seconds: number) => Math.ceil(Math.round(seconds * 1000) / 10) / 100;

/** Segments that left the playlist stay on disk this much longer, for players still fetching them. */
const RETIRED_KEPT = 2;
/** A blocking request is answered within this many target durations (the spec's limit), ready or not. */
const BLOCK_TARGET_DURATIONS = 3;
/** A request may ask for this many segments beyond the live edge; further is nonsense (400). */
const MSN_AHEAD_ALLOWED = 2;

/**
 * The daemon-packaged HLS output: FFmpeg writes fragmented MP4 to a pipe, the
 * daemon cuts it into parts and segments, keeps the live window in memory for
 * the playlist and blocking requests, and writes the init segments and
 * segments (parts too with partsOnDisk) to the stream's folder, never reusing a
 * name, for Nginx to serve from disk.
 */
export class LiveHlsOutput implements StreamOutput, Fmp4Feed {
  readonly kind = 'hls';
  readonly provesLiveness = true;
  readonly usesPipe = true;
  readonly decodes = undefined;

  private readonly window: LiveWindow;
  private readonly waiters = new Waiters();
  private readonly retired: WindowSegment[] = [];
  private readonly rendered = new Map<boolean, string>();
  private targetDuration: number;
  private partTarget: number;
  private readonly now: () => number;
  /** Files being written; close() waits for them, so the stream's folder can then be removed. */
  private readonly writing = new Set<Promise<void>>();
  private closed = false;
  private readonly tapOpeners: Array<() => Fmp4Tap> = [];

  constructor(private readonly options: LiveHlsOptions) {
    this.now = options.now ?? Date.now;
    const start = this.now();
    // Numbers from the clock: a stream stopped and started again never reuses a name a cache may hold.
    this.window = new LiveWindow({ listSize: options.listSize, firstMsn: Math.floor(start / 1000), firstFileNumber: start });
    this.targetDuration = Math.ceil(options.segmentSeconds);
    this.partTarget = declaredPartTarget(options.partSeconds * PART_SLACK);
  }

  async prepare({ plan, pipe }: RunPlan): Promise<PreparedOutput> {
    if (!pipe) throw new Error('the low-latency output needs a pipe');
    await mkdir(this.options.dir, { recursive: true });
    const { transcodePreset, segmentSeconds, partSeconds } = this.options;
    return {
      args: buildFmp4Args({ plan, transcodePreset, segmentSeconds, partSeconds, pipe }),
      open: (context) => this.openRun(context),
    };
  }

  /** The playlist, once it has what the request asks for; undefined once the stream is gone. */
  async playlist(request: PlaylistRequest, signal?: AbortSignal): Promise<string | undefined> {
    const { lowLatency } = this.options;
    if (lowLatency && (request.msn !== undefined || request.part !== undefined)) {
      const result = await this.waiters.wait(this.blockingCondition(request), BLOCK_TARGET_DURATIONS * this.targetDuration * 1000, signal);
      // At the time limit the current playlist is the answer (the spec allows it); the player asks again.
      if (result === 'gone') return undefined;
    }
    const skip = lowLatency && request.skip === true;
    let text = this.rendered.get(skip);
    if (text === undefined) {
      text = renderPlaylist(this.window, { lowLatency, targetDuration: this.targetDuration, partTarget: this.partTarget, skip });
      this.rendered.set(skip, text);
    }
    return text;
  }

  /** A file of the live window; the preload-hinted part is waited for. Undefined: not in memory (ask the disk). */
  async media(name: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const held = this.window.file(name);
    if (held || name !== this.window.nextPartName) return held;
    const result = await this.waiters.wait(
      () => this.window.file(name) !== undefined,
      BLOCK_TARGET_DURATIONS * this.targetDuration * 1000,
      signal,
    );
    return result === 'ready' ? this.window.file(name) : undefined;
  }

  addTap(openTap: () => Fmp4Tap): void {
    this.tapOpeners.push(openTap);
  }

  status(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiters.close();
    await Promise.all(this.writing);
  }

  private blockingCondition({ msn, part }: PlaylistRequest): () => boolean {
    const valid = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 0);
    if (msn === undefined || !valid(msn) || !valid(part)) {
      throw new AppError('invalid_request', '_HLS_msn must be a whole number, and _HLS_part needs _HLS_msn');
    }
    if (msn > this.window.edge.msn + MSN_AHEAD_ALLOWED) {
      throw new AppError('invalid_request', `_HLS_msn=${msn} is too far beyond the live edge (${this.window.edge.msn})`);
    }
    // A part index past the end of a complete segment means the next segment's first part.
    return part === undefined
      ? () => this.window.edge.lastCompleteMsn >= msn
      : () => {
          const edge = this.window.edge;
          return edge.msn > msn || (edge.msn === msn && edge.part >= part);
        };
  }

  private openRun({ pipe, progress }: OutputRunContext): OutputRun {
    const { segmentSeconds, lowLatency, partSeconds } = this.options;
    const packager = new Fmp4Packager({
      segmentSeconds,
      firstSegmentSeconds: lowLatency ? Math.min(segmentSeconds, FIRST_SEGMENT_PARTS * partSeconds) : undefined,
    });
    const taps = this.tapOpeners.map((open) => open());
    let segmentsDone = 0;
    let failed = false;
    let abandoned = false;
    pipe?.on('data', (chunk: Uint8Array) => {
      if (failed || abandoned) return; // keep draining: FFmpeg must never block on this pipe
      let events: PackagerEvent[];
      try {
        events = packager.push(chunk);
      } catch (error) {
        failed = true;
        this.options.log.error({ err: error }, 'FFmpeg wrote something that is not fragmented MP4; dropping this run of it');
        return;
      }
      for (const event of events) {
        for (const tap of taps) {
          if (event.type === 'init') tap.init(event.init);
          else tap.part(event.part);
        }
        const completedSegment = this.take(event);
        if (completedSegment) segmentsDone += 1;
        // Playable once a whole segment is listed (players start on one); from then on every part
        // (low latency) or every segment proves the run alive.
        if (segmentsDone > 0 && event.type === 'part' && (lowLatency || completedSegment)) progress();
      }
    });
    return {
      end: async () => {
        if (packager.truncatedBytes > 0)
          this.options.log.debug({ bytes: packager.truncatedBytes }, 'dropped the fragment FFmpeg did not finish');
        this.changed(this.window.endRun());
        await Promise.all(taps.map((tap) => tap.end()));
      },
      abandon: () => {
        abandoned = true;
      },
    };
  }

  /** Adds what the packager found to the window; returns whether that completed a segment. */
  private take(event: PackagerEvent): boolean {
    if (event.type === 'init') {
      this.write(this.window.setInit(event.init.data), event.init.data);
      return false;
    }
    const change = this.window.addPart(event.part, this.now(), event);
    if (this.options.partsOnDisk) this.write(change.part.name, change.part.data);
    // Declared targets only grow: a part or segment longer than announced raises them for good.
    this.partTarget = Math.max(this.partTarget, declaredPartTarget(event.part.duration));
    this.changed(change);
    return change.completed.length > 0;
  }

  private changed({ completed, removed }: WindowChange): void {
    for (const segment of completed) {
      if (!segment.data) continue;
      // The spec compares each segment's duration, rounded to the nearest second, with the target.
      this.targetDuration = Math.max(this.targetDuration, Math.round(segment.duration));
      this.write(segment.name, segment.data);
      this.options.onSegment({ file: segment.name, bytes: segment.data.length });
    }
    this.retired.push(...removed);
    while (this.retired.length > RETIRED_KEPT) this.forget(this.retired.shift()!);
    this.rendered.clear();
    this.waiters.notify();
  }

  /** Written under a temporary name and renamed, so Nginx never serves half a file. */
  private write(name: string, data: Uint8Array): void {
    if (this.closed) return;
    const file = path.join(this.options.dir, name);
    const written: Promise<void> = writeAtomically(file, data)
      .catch((error: unknown) =>
        this.options.log.warn({ err: error, file: name }, 'cannot write to the stream folder; serving from memory only'),
      )
      .finally(() => this.writing.delete(written));
    this.writing.add(written);
  }

  private forget(segment: WindowSegment): void {
    const stillUsed = this.window.segments.some((s) => s.init === segment.init) || this.retired.some((s) => s.init === segment.init);
    const parts = this.options.partsOnDisk ? segment.parts.map((part) => part.name) : [];
    const names = [segment.name, ...parts, ...(stillUsed ? [] : [segment.init])];
    for (const name of names) void rm(path.join(this.options.dir, name), { force: true });
  }
}
