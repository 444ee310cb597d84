import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { RestartBackoff, type RestartBackoffOptions } from './backoff.js';
import type { ExitInfo } from './child.js';
import { canTransition, type SupervisorState } from './supervisor-state.js';

/** Why a run ended: asked to, killed by a signal, exited by itself, or stopped by the liveness watchdog. */
export type ExitReason = 'requested' | 'crashed' | 'exited' | 'stalled';

/** What a finished run reports; callers extend it with what they learned (stderr, a failure cause). */
export interface RunEnd {
  exit: ExitInfo;
}

/** One running child, as the supervisor sees it. */
export interface RunHandle<End extends RunEnd> {
  readonly pid: number | undefined;
  /** Settles once the child has exited and everything reading from it is done. */
  readonly done: Promise<End>;
  /** Ends the child's process group (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): void;
}

/** How a run talks back to its supervisor. */
export interface RunControl {
  /** The run proved itself alive (a segment, a part). The first time makes the supervisor 'running'. */
  progress(): void;
  /** The run needs other arguments (the source turned out to need a transcode): replace it at once. */
  replan(): void;
}

export interface RunOutcome<End extends RunEnd> {
  end: End;
  reason: ExitReason;
  ranMs: number;
  /** Whether the run ever proved itself alive. */
  progressed: boolean;
  /** Ended to be replaced at once with a new plan; not a failure. */
  replanned: boolean;
}

export type StartFailure<End extends RunEnd> =
  /** The first run ended before it ever proved itself alive. */
  | { kind: 'exited'; outcome: RunOutcome<End> }
  /** Nothing proved alive within the start timeout; `last` is the run that was stopped for it. */
  | { kind: 'timeout'; last: RunOutcome<End> | undefined };

export interface SupervisorListener<End extends RunEnd> {
  state?(from: SupervisorState, to: SupervisorState): void;
  exited?(outcome: RunOutcome<End>): void;
  restarting?(delayMs: number, outcome: RunOutcome<End>): void;
  /** The first start failed; awaited before the supervisor settles in 'failed'. */
  startFailed?(failure: StartFailure<End>): Promise<void> | void;
}

export interface SupervisorOptions<End extends RunEnd> {
  /**
   * Starts one run. `restart`: an earlier run was healthy (outputs mark the seam). `signal`: the run
   * is no longer wanted (close, start timeout) before it has even started; spawn may give up.
   */
  spawn(control: RunControl, attempt: { restart: boolean; signal: AbortSignal }): Promise<RunHandle<End>>;
  /** Turns an error thrown by spawn (a missing binary, EAGAIN) into the end of a run that never ran. */
  spawnFailed(error: unknown): End;
  startTimeoutMs: number;
  /** The first progress of a run must come within firstProgressMs, later ones within stallMs of each other. */
  liveness: { firstProgressMs: number; stallMs: number };
  backoff: RestartBackoffOptions;
  /** A floor for the delay after this outcome (for example: never retry rejected credentials quickly). */
  minDelayMs?(outcome: RunOutcome<End>): number;
  /** After the delay: holds the next run until it is worth trying (the camera accepts connections again). */
  readyToRetry?(outcome: RunOutcome<End>, signal: AbortSignal): Promise<void>;
  log: Logger;
  listener?: SupervisorListener<End>;
}

/**
 * Runs one child at a time and keeps it running: a start timeout for the first
 * healthy run, a liveness watchdog fed by the caller's progress reports, capped
 * backoff between restarts, immediate replacement on replan, and close() that
 * stops the child and waits for everything to end.
 */
export class Supervisor<End extends RunEnd> {
  #state: SupervisorState = 'starting';
  #restarts = 0;
  #pid: number | undefined;
  #done: Promise<void> = Promise.resolve();
  readonly #closed = new AbortController();
  readonly #startTimeout = new AbortController();
  #startTimer: NodeJS.Timeout | undefined;
  readonly #backoff: RestartBackoff;

  constructor(private readonly options: SupervisorOptions<End>) {
    this.#backoff = new RestartBackoff(options.backoff);
  }

  get state(): SupervisorState {
    return this.#state;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** The current child's pid, while there is one. */
  get pid(): number | undefined {
    return this.#pid;
  }

  /** Begins supervising once `after` settles (a predecessor still cleaning up). */
  start(after: Promise<unknown> = Promise.resolve()): void {
    this.#done = after
      .catch(() => {})
      .then(() => this.#loop())
      .catch((error: unknown) => this.options.log.error({ err: error }, 'supervision ended by a bug'));
  }

  /** Stops the child, ends supervision and waits for both. Idempotent. */
  async close(): Promise<void> {
    this.#closed.abort();
    await this.#done;
    this.#moveTo('stopped');
  }

  async #loop(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#startTimer = setTimeout(() => this.#startTimeout.abort(), this.options.startTimeoutMs);
    const stopRun = AbortSignal.any([this.#closed.signal, this.#startTimeout.signal]);
    try {
      while (!this.#closed.signal.aborted) {
        const outcome = await this.#runOnce(stopRun);
        this.options.listener?.exited?.(outcome);
        if (this.#closed.signal.aborted) return;
        if (this.#state === 'starting') {
          if (this.#startTimeout.signal.aborted) return await this.#fail({ kind: 'timeout', last: outcome });
          if (outcome.replanned) continue;
          return await this.#fail({ kind: 'exited', outcome });
        }
        if (outcome.replanned) continue;
        const delayMs = Math.max(this.#backoff.next(outcome), this.options.minDelayMs?.(outcome) ?? 0);
        this.#moveTo('restarting');
        this.#restarts += 1;
        this.options.listener?.restarting?.(delayMs, outcome);
        await sleep(delayMs, undefined, { signal: this.#closed.signal }).catch(() => {}); // close ends the wait
        await this.options.readyToRetry?.(outcome, this.#closed.signal);
      }
    } finally {
      clearTimeout(this.#startTimer);
    }
  }

  /** One child from spawn to exit, with its watchdog. `signal` stops it (close, start timeout). */
  async #runOnce(signal: AbortSignal): Promise<RunOutcome<End>> {
    const { liveness, log } = this.options;
    const startedAt = Date.now();
    let run: RunHandle<End> | undefined;
    let stopping = false;
    let progressed = false;
    let replanned = false;
    let stalled = false;
    let lastProgressAt = startedAt;
    const onStall = () => {
      stalled = true;
      log.warn({ pid: run?.pid, stalledMs: Date.now() - lastProgressAt }, 'no progress; stopping the process');
      stop();
    };
    let watchdog = setTimeout(onStall, liveness.firstProgressMs);
    const control: RunControl = {
      // Once stopping, output is no sign of life (FFmpeg flushes a last short segment as it stops).
      progress: () => {
        if (stopping) return;
        lastProgressAt = Date.now();
        if (progressed) return void watchdog.refresh();
        progressed = true;
        clearTimeout(watchdog);
        watchdog = setTimeout(onStall, liveness.stallMs);
        clearTimeout(this.#startTimer);
        this.#moveTo('running');
      },
      replan: () => {
        if (stopping) return;
        replanned = true;
        stop();
      },
    };
    const unwanted = new AbortController();
    const stop = () => {
      if (stopping) return;
      stopping = true;
      unwanted.abort();
      run?.stop();
    };
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    try {
      let end: End;
      try {
        run = await this.options.spawn(control, { restart: this.#state !== 'starting', signal: unwanted.signal });
        this.#pid = run.pid;
        if (stopping) run.stop();
        end = await run.done;
      } catch (error) {
        end = this.options.spawnFailed(error);
      }
      return { end, reason: reasonOf(end.exit, stalled), ranMs: Date.now() - startedAt, progressed, replanned };
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener('abort', stop);
      this.#pid = undefined;
    }
  }

  async #fail(failure: StartFailure<End>): Promise<void> {
    try {
      await this.options.listener?.startFailed?.(failure);
    } catch (error) {
      this.options.log.error({ err: error }, 'clean-up after a failed start failed');
    } finally {
      this.#moveTo('failed');
    }
  }

  #moveTo(next: SupervisorState): void {
    const from = this.#state;
    if (from === next) return;
    if (!canTransition(from, next)) {
      this.options.log.error({ from, to: next }, 'refused an impossible state change');
      return;
    }
    this.#state = next;
    this.options.log.info({ from, to: next }, 'state');
    this.options.listener?.state?.(from, next);
  }
}

function reasonOf(exit: ExitInfo, stalled: boolean): ExitReason {
  if (stalled) return 'stalled';
  if (exit.requested) return 'requested';
  return exit.signal ? 'crashed' : 'exited';
}
