export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** Capped exponential delays: initial, 2×, 4× … up to maxMs. */
export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  next(): number {
    const delay = Math.min(this.options.initialMs * 2 ** this.failures, this.options.maxMs);
    this.failures += 1;
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }
}

export interface RestartBackoffOptions extends BackoffOptions {
  /** A run that proved itself alive for at least this long was healthy: it earns one immediate restart. */
  healthyMs: number;
}

/**
 * How long to wait before the next run. A crash of a process that was doing
 * its job is worth retrying at once, so the first restart after a healthy run
 * is immediate. Later failures back off, doubling to the cap, and only a run
 * that stays healthy for the whole cap starts the doubling over: a camera
 * that drops every few seconds ends up waiting, not reconnecting in a loop.
 */
export class RestartBackoff {
  private failures = 0;
  private freeRestart = true;

  constructor(private readonly options: RestartBackoffOptions) {}

  next(run: { progressed: boolean; ranMs: number }): number {
    const { initialMs, maxMs, healthyMs } = this.options;
    if (run.progressed && run.ranMs >= Math.max(maxMs, healthyMs)) {
      this.failures = 0;
      this.freeRestart = true;
    }
    if (run.progressed && run.ranMs >= healthyMs && this.freeRestart) {
      this.freeRestart = false;
      return 0;
    }
    const delay = Math.min(initialMs * 2 ** this.failures, maxMs);
    this.failures += 1;
    return delay;
  }
}
