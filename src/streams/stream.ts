import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { SourceFailure } from '../ffmpeg/failure.js';
import { buildHlsArgs, type FrameOutputSpec, PLAYLIST_NAME } from '../ffmpeg/hls-args.js';
import { type AudioPolicy, type OutputPlan, planOutput } from '../ffmpeg/output-plan.js';
import type { Input, SourceInfo } from '../ffmpeg/source-info.js';
import type { ExitReason, StreamObserver } from '../metrics/metrics.js';
import { Backoff, type BackoffOptions } from '../process/backoff.js';
import type { PidRecords } from '../process/pid-records.js';
import { type AttemptOutcome, runAttempt } from './attempt.js';
import { nextSequenceNumber, readPlaylist, removeUnlistedSegments } from './playlist.js';
import { type LastError, type StreamSnapshot, snapshotOf } from './snapshot.js';
import { canTransition, type StreamState } from './state.js';

export interface StreamSettings {
  ffmpegPath: string;
  hls: { segmentSeconds: number; listSize: number };
  transcodePreset: string;
  audio: AudioPolicy;
  startTimeoutMs: number;
  stopGraceMs: number;
  watchdogTimeoutMs: number;
  ioTimeoutMs: number;
  restartBackoff: BackoffOptions;
}

/** What a stream needs from the outside world; the manager wires the real ones. */
export interface StreamDeps {
  pidRecords: Pick<PidRecords, 'add' | 'remove'>;
  log: Logger;
  observer: Pick<StreamObserver, 'ffmpegExited' | 'restarted' | 'segmentWritten'>;
}

/**
 * What a stream needs from object detection: the extra FFmpeg output, a fresh
 * frame pipe for each FFmpeg run (a new process starts on a frame boundary),
 * the counters for status, and a way to let go.
 */
export interface FramePipe {
  output: FrameOutputSpec;
  newPipe(): (chunk: Uint8Array) => void;
  stats(): unknown;
  close(): void;
}

export interface StreamInit {
  id: string;
  input: Input;
  /** Identity of the source (credentials included) for "same camera?" checks; never shown. */
  sourceKey: string;
  /** What the source carries when known in advance (the demo); cameras tell FFmpeg on connect. */
  knownSource?: SourceInfo;
  dir: string;
  /** Present when detection is on for this stream. */
  frames?: FramePipe;
  /** This camera's audio on or off (CAMERAS_FILE); undefined: AUDIO_ENABLED. */
  audio?: boolean;
}

/**
 * One camera's HLS output: runs FFmpeg, learns the codecs from FFmpeg's own
 * input analysis (one connection to the camera), restarts FFmpeg with backoff
 * when it exits or stalls, and cleans up after itself on close.
 */
export class Stream {
  readonly id: string;
  readonly sourceKey: string;
  readonly dir: string;
  readonly startedAt = new Date();
  /** Settles once: when the first segment is playable, or when the first start failed. */
  readonly ready: Promise<void>;
  state: StreamState = 'starting';
  lastAccess = Date.now();
  restarts = 0;
  pid: number | undefined;
  source: SourceInfo | undefined;
  plan: OutputPlan;
  lastError: LastError | undefined;
  readonly frames: FramePipe | undefined;

  private readonly input: Input;
  private readonly audio: AudioPolicy;
  private readonly closed = new AbortController();
  private readonly log: Logger;
  private settleReady!: (error?: SourceFailure) => void;
  private done: Promise<void> = Promise.resolve();

  constructor(
    init: StreamInit,
    private readonly settings: StreamSettings,
    private readonly deps: StreamDeps,
  ) {
    this.id = init.id;
    this.sourceKey = init.sourceKey;
    this.dir = init.dir;
    this.input = init.input;
    this.frames = init.frames;
    this.source = init.knownSource;
    this.audio = { ...settings.audio, enabled: init.audio ?? settings.audio.enabled };
    // Until the camera says otherwise, assume the common case: H.264 (+ AAC) remuxed as-is.
    this.plan = init.knownSource
      ? planOutput(init.knownSource, this.audio)
      : { video: 'copy', audio: this.audio.enabled ? 'copy' : 'none' };
    this.log = deps.log.child({ stream: init.id });
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.ready.catch(() => {}); // callers with wait=false never look
  }

  /** Begins the run; `after` is a previous stream of the same id still being cleaned up. */
  start(after: Promise<void> = Promise.resolve()): void {
    // A predecessor that failed to clean up is no reason not to start.
    this.done = after.catch(() => {}).then(() => this.run());
  }

  touch(now = Date.now()): void {
    this.lastAccess = now;
  }

  snapshot(): StreamSnapshot {
    return snapshotOf(this);
  }

  /** Stops FFmpeg (SIGTERM, SIGKILL after the grace period) and removes the folder. Idempotent. */
  async close(): Promise<void> {
    this.closed.abort();
    this.settleReady(new SourceFailure({ cause: 'ffmpeg_failed', message: 'the stream was stopped before it became playable' }));
    await this.done;
    this.moveTo('stopped');
    await this.cleanUp();
  }

  private async run(): Promise<void> {
    if (this.closed.signal.aborted) return;
    const startTimeout = new AbortController();
    const timer = setTimeout(() => startTimeout.abort(), this.settings.startTimeoutMs);
    try {
      await mkdir(this.dir, { recursive: true });
      await this.supervise(AbortSignal.any([this.closed.signal, startTimeout.signal]), () => clearTimeout(timer));
    } catch (error) {
      if (this.closed.signal.aborted) return; // close() cleans up
      await this.fail(startTimeout.signal.aborted ? this.timeoutFailure(error) : asSourceFailure(error));
    } finally {
      clearTimeout(timer);
    }
  }

  private async supervise(signal: AbortSignal, onPlayable: () => void): Promise<void> {
    const backoff = new Backoff(this.settings.restartBackoff);
    while (!signal.aborted) {
      const replan = new AbortController();
      let outcome: AttemptOutcome;
      try {
        outcome = await this.runOnce(AbortSignal.any([signal, replan.signal]), replan, onPlayable);
      } catch (error) {
        // Before the first segment this fails the start; afterwards it is one more failed attempt.
        if (this.state === 'starting') throw error;
        outcome = failedToRun(error);
      }
      this.pid = undefined;
      await this.deps.pidRecords.remove(this.id).catch(() => {});
      this.deps.observer.ffmpegExited(exitReason(outcome));
      if (this.closed.signal.aborted) return;
      if (replan.signal.aborted && !signal.aborted) {
        this.log.info({ plan: this.plan }, 'source needs a different output plan; restarting FFmpeg at once');
        continue;
      }
      if (this.state === 'starting') throw new SourceFailure(outcome.failure, outcome.stderr);

      this.lastError = { ...outcome.failure, at: new Date(), stderr: outcome.stderr };
      if (outcome.advanced && outcome.ranMs >= this.settings.restartBackoff.maxMs) backoff.reset();
      const wait = backoff.next();
      this.moveTo('restarting');
      this.restarts += 1;
      this.deps.observer.restarted();
      this.log.warn({ exit: outcome.exit, cause: outcome.failure.cause, retryInMs: wait }, 'FFmpeg exited; restarting');
      await delay(wait, undefined, { signal }).catch(() => {}); // an abort ends the wait early
    }
  }

  private async runOnce(signal: AbortSignal, replan: AbortController, onPlayable: () => void): Promise<AttemptOutcome> {
    const playlistPath = path.join(this.dir, PLAYLIST_NAME);
    const previous = await readPlaylist(playlistPath).catch(() => undefined);
    const startNumber = nextSequenceNumber(previous, Date.now());
    // The previous FFmpeg's segments beyond its playlist would otherwise stay until the stream stops.
    if (this.state !== 'starting') await removeUnlistedSegments(this.dir, previous);
    return runAttempt({
      ffmpegPath: this.settings.ffmpegPath,
      args: buildHlsArgs({
        input: this.input,
        plan: this.plan,
        outputDir: this.dir,
        segmentSeconds: this.settings.hls.segmentSeconds,
        listSize: this.settings.hls.listSize,
        transcodePreset: this.settings.transcodePreset,
        ioTimeoutMs: this.settings.ioTimeoutMs,
        restart: this.state !== 'starting',
        startNumber,
        frames: this.frames?.output,
      }),
      onStdout: this.frames?.newPipe(),
      playlistPath,
      stopGraceMs: this.settings.stopGraceMs,
      watchdogMs: this.settings.watchdogTimeoutMs,
      firstSegmentMs: Math.max(this.settings.watchdogTimeoutMs, this.settings.startTimeoutMs),
      signal,
      log: this.log,
      onSpawn: (pid) => {
        this.pid = pid;
        this.deps.pidRecords
          .add(this.id, pid, playlistPath)
          .catch((error: unknown) => this.log.warn({ err: error }, 'cannot record the FFmpeg pid; a crash of the daemon would orphan it'));
      },
      onSourceInfo: (info) => {
        this.source = info;
        const plan = planOutput(info, this.audio);
        // Copying "audio if any" is already right for a source without audio.
        const wrong = plan.video !== this.plan.video || (info.audio !== undefined && plan.audio !== this.plan.audio);
        this.plan = plan;
        if (wrong) replan.abort();
      },
      onAdvance: (segment) => {
        void stat(path.join(this.dir, segment)).then(
          ({ size }) => this.deps.observer.segmentWritten(this.id, size),
          () => {}, // already rotated away
        );
        if (this.state === 'running') return;
        this.moveTo('running');
        onPlayable();
        this.settleReady();
      },
    });
  }

  private timeoutFailure(error: unknown): SourceFailure {
    const seconds = this.settings.startTimeoutMs / 1000;
    const specific = error instanceof SourceFailure && error.failure.cause !== 'ffmpeg_failed';
    return new SourceFailure(
      { cause: 'source_timeout', message: `no playable segment within ${seconds} s${specific ? ` (${error.message})` : ''}` },
      error instanceof SourceFailure ? error.stderr : [],
    );
  }

  private async fail(failure: SourceFailure): Promise<void> {
    this.lastError = { ...failure.failure, at: new Date(), stderr: failure.stderr };
    this.log.warn({ cause: failure.failure.cause, stderr: failure.stderr }, `start failed: ${failure.message}`);
    await this.cleanUp();
    this.moveTo('failed');
    this.settleReady(failure);
  }

  private async cleanUp(): Promise<void> {
    this.frames?.close();
    await rm(this.dir, { recursive: true, force: true });
    await this.deps.pidRecords.remove(this.id);
  }

  private moveTo(next: StreamState): void {
    if (this.state === next) return;
    if (!canTransition(this.state, next)) {
      this.log.error({ from: this.state, to: next }, 'refused an impossible state change');
      return;
    }
    this.log.info({ from: this.state, to: next }, 'state');
    this.state = next;
  }
}

function exitReason(outcome: AttemptOutcome): ExitReason {
  if (outcome.stalled) return 'stalled';
  if (outcome.exit.requested) return 'requested';
  return outcome.exit.signal ? 'crashed' : 'exited';
}

/** An attempt that could not even spawn FFmpeg (EAGAIN, a binary replaced mid-upgrade…). */
function failedToRun(error: unknown): AttemptOutcome {
  return {
    exit: { code: null, signal: null, requested: false },
    failure: { cause: 'ffmpeg_failed', message: (error as Error).message },
    stderr: [],
    advanced: false,
    ranMs: 0,
    stalled: false,
  };
}

function asSourceFailure(error: unknown): SourceFailure {
  return error instanceof SourceFailure ? error : new SourceFailure({ cause: 'ffmpeg_failed', message: (error as Error).message });
}
