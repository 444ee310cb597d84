import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { StreamEventBus } from '../events/stream-events.js';
import { SourceFailure } from '../ffmpeg/failure.js';
import { type FfmpegRunEnd, ffmpegNeverRan } from '../ffmpeg/ffmpeg-run.js';
import { type AudioPolicy, type OutputPlan, planOutput } from '../ffmpeg/output-plan.js';
import type { Input, SourceInfo } from '../ffmpeg/source-info.js';
import type { BackoffOptions } from '../process/backoff.js';
import type { PidRecords } from '../process/pid-records.js';
import { type RunControl, type RunHandle, type RunOutcome, type StartFailure, Supervisor } from '../process/supervisor.js';
import type { SupervisorState } from '../process/supervisor-state.js';
import { StreamStopped } from './errors.js';
import type { StreamOutput } from './output.js';
import { runOutputs } from './outputs-run.js';
import { cameraAway, failureOf, firstSegmentMs, rejectedCredentials, startTimeoutFailure } from './run-failures.js';
import { type LastError, type StreamSnapshot, snapshotOf } from './snapshot.js';
import { probeAddress, waitUntilReachable } from './source-reachable.js';

export interface StreamSettings {
  ffmpegPath: string;
  /** FFMPEG_NICE. */
  ffmpegNice: number;
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
  bus: StreamEventBus;
}

export interface StreamInit {
  id: string;
  input: Input;
  /** Identity of the source (credentials included) for "same camera?" checks; never shown. */
  sourceKey: string;
  /** What the source carries when known in advance (the demo); cameras tell FFmpeg on connect. */
  knownSource?: SourceInfo;
  /** STREAM_DIR/<id>: the stream's own folder, removed when it stops. */
  dir: string;
  /** Everything its one FFmpeg process produces (HLS, detection frames, …). */
  outputs: StreamOutput[];
  /** This camera's audio on or off (CAMERAS_FILE); undefined: AUDIO_ENABLED. */
  audio?: boolean;
  /** What the start call said about detection; undefined: it left it to the defaults. */
  requestedDetect?: boolean;
  /** Kept running without viewers (a recorded camera). */
  alwaysOn?: boolean;
}

/** A run that made progress for this long was healthy: the next restart is immediate. */
const HEALTHY_RUN_MS = 3000;
/** Rejected credentials are retried slowly: cameras lock accounts after repeated bad logins. */
const REJECTED_CREDENTIALS_RETRY_MS = 30_000;
/** In a child's environment: tells our FFmpeg processes from anyone else's after a crash. */
const PID_MARKER = 'STREAM_MANAGER_STREAM';

/**
 * One camera: one supervised FFmpeg process feeding all of the stream's
 * outputs over one camera connection. Learns the codecs from FFmpeg's own
 * input analysis and replans at once when the source needs a transcode.
 */
export class Stream {
  readonly id: string;
  readonly sourceKey: string;
  readonly dir: string;
  readonly outputs: readonly StreamOutput[];
  readonly requestedDetect: boolean | undefined;
  readonly alwaysOn: boolean;
  readonly startedAt = new Date();
  /** Settles once: when the stream is first playable, or when its start failed or was stopped. */
  readonly ready: Promise<void>;
  lastAccess = Date.now();
  source: SourceInfo | undefined;
  plan: OutputPlan;
  lastError: LastError | undefined;

  private readonly input: Input;
  private readonly audio: AudioPolicy;
  private readonly log: Logger;
  private readonly supervisor: Supervisor<FfmpegRunEnd>;
  private settleReady!: (error?: Error) => void;
  private startError: SourceFailure | undefined;
  private cleaned: Promise<void> | undefined;

  constructor(
    init: StreamInit,
    private readonly settings: StreamSettings,
    private readonly deps: StreamDeps,
  ) {
    this.id = init.id;
    this.sourceKey = init.sourceKey;
    this.dir = init.dir;
    this.outputs = init.outputs;
    this.requestedDetect = init.requestedDetect;
    this.alwaysOn = init.alwaysOn ?? false;
    this.input = init.input;
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
    this.supervisor = new Supervisor<FfmpegRunEnd>({
      spawn: (control, attempt) => this.spawnRun(control, attempt.restart, attempt.signal),
      spawnFailed: ffmpegNeverRan,
      startTimeoutMs: settings.startTimeoutMs,
      liveness: { firstProgressMs: firstSegmentMs(settings), stallMs: settings.watchdogTimeoutMs },
      backoff: { ...settings.restartBackoff, healthyMs: HEALTHY_RUN_MS },
      minDelayMs: (outcome) => (rejectedCredentials(failureOf(outcome, settings)) ? REJECTED_CREDENTIALS_RETRY_MS : 0),
      readyToRetry: (outcome, signal) => this.untilReachable(outcome, signal),
      log: this.log,
      listener: {
        state: (from, to) => this.stateChanged(from, to),
        exited: (outcome) => this.exited(outcome),
        restarting: (delayMs, outcome) => this.restarting(delayMs, outcome),
        startFailed: (failure) => this.startFailed(failure),
      },
    });
  }

  get state(): SupervisorState {
    return this.supervisor.state;
  }

  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  get restarts(): number {
    return this.supervisor.restarts;
  }

  output(kind: string): StreamOutput | undefined {
    return this.outputs.find((output) => output.kind === kind);
  }

  /** Begins the run; `after` is a previous stream of the same id still being cleaned up. */
  start(after?: Promise<void>): void {
    this.supervisor.start(after);
  }

  touch(now = Date.now()): void {
    this.lastAccess = now;
  }

  snapshot(): StreamSnapshot {
    return snapshotOf(this);
  }

  /** Stops FFmpeg (SIGTERM, SIGKILL after the grace period) and removes the folder. Idempotent. */
  async close(): Promise<void> {
    this.settleReady(new StreamStopped(this.id));
    await this.supervisor.close();
    await this.cleanUp();
  }

  private async spawnRun(control: RunControl, restart: boolean, signal: AbortSignal): Promise<RunHandle<FfmpegRunEnd>> {
    const { ffmpegPath, ffmpegNice, ioTimeoutMs, stopGraceMs } = this.settings;
    let replan = () => control.replan();
    const run = await runOutputs({
      ffmpegPath,
      ffmpegNice,
      ioTimeoutMs,
      stopGraceMs,
      restart,
      control,
      signal,
      input: this.input,
      plan: this.plan,
      outputs: this.outputs,
      // TZ: recordings are named by the UTC time they begin.
      env: { [PID_MARKER]: this.dir, TZ: 'UTC' },
      log: this.log,
      source: () => this.source,
      onSourceInfo: (info) => this.learnSource(info, replan),
    });
    replan = () => {
      run.abandon(); // what this FFmpeg still writes as it stops is of the wrong plan
      control.replan();
    };
    // Awaited, so that this run's record can never land after its own removal or over the next run's.
    await this.deps.pidRecords
      .add(this.id, run.pid, `${PID_MARKER}=${this.dir}`)
      .catch((error: unknown) => this.log.warn({ err: error }, 'cannot record the FFmpeg pid; a crash of the daemon would orphan it'));
    const done = run.done.finally(() => this.deps.pidRecords.remove(this.id).catch(() => {}));
    return { pid: run.pid, done, stop: run.stop };
  }

  /** A camera that refused or did not answer is probed (cheaply) until it is back, instead of retried with FFmpeg. */
  private async untilReachable(outcome: RunOutcome<FfmpegRunEnd>, signal: AbortSignal): Promise<void> {
    const address = probeAddress(this.input);
    if (!address || !cameraAway(failureOf(outcome, this.settings))) return;
    await waitUntilReachable(address, signal);
  }

  private learnSource(info: SourceInfo, replan: () => void): void {
    this.source = info;
    const plan = planOutput(info, this.audio);
    // Copying "audio if any" is already right for a source without audio.
    const wrong = plan.video !== this.plan.video || (info.audio !== undefined && plan.audio !== this.plan.audio);
    this.plan = plan;
    if (wrong) replan();
  }

  private stateChanged(from: SupervisorState, to: SupervisorState): void {
    this.deps.bus.emit('stream.state', { id: this.id, from, to });
    if (to === 'running') this.settleReady();
    if (to === 'failed') this.settleReady(this.startError);
  }

  private exited(outcome: RunOutcome<FfmpegRunEnd>): void {
    const cause = outcome.reason === 'requested' ? undefined : failureOf(outcome, this.settings).cause;
    this.deps.bus.emit('ffmpeg.exited', { id: this.id, reason: outcome.reason, ranMs: outcome.ranMs, cause });
    if (outcome.replanned) this.log.info({ plan: this.plan }, 'source needs a different output plan; restarting FFmpeg at once');
  }

  private restarting(delayMs: number, outcome: RunOutcome<FfmpegRunEnd>): void {
    const failure = failureOf(outcome, this.settings);
    this.lastError = { ...failure, at: new Date(), stderr: outcome.end.stderr };
    this.deps.bus.emit('ffmpeg.restarting', { id: this.id, delayMs, restarts: this.restarts });
    this.log.warn({ exit: outcome.end.exit, cause: failure.cause, retryInMs: delayMs }, 'FFmpeg exited; restarting');
  }

  private async startFailed(failure: StartFailure<FfmpegRunEnd>): Promise<void> {
    const error =
      failure.kind === 'timeout'
        ? startTimeoutFailure(failure.last, this.settings)
        : new SourceFailure(failureOf(failure.outcome, this.settings), failure.outcome.end.stderr);
    this.startError = error;
    this.lastError = { ...error.failure, at: new Date(), stderr: error.stderr };
    this.log.warn({ cause: error.failure.cause, stderr: error.stderr }, `start failed: ${error.message}`);
    await this.cleanUp();
  }

  private cleanUp(): Promise<void> {
    this.cleaned ??= (async () => {
      await Promise.all(this.outputs.map((output) => output.close()));
      await rm(this.dir, { recursive: true, force: true });
      await this.deps.pidRecords.remove(this.id);
    })();
    return this.cleaned;
  }
}
