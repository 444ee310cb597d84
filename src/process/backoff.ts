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
  /** A run that proved itself alive for at least this long was healthy. */
  healthyMs: number;
}

/**
 * How long to wait before the next run. The first restart after a healthy run
 * is immediate (a crash of a process that was doing its job is worth retrying
 * at once) and starts the doubling over; runs that never got healthy back off.
 */
export class RestartBackoff {
  private readonly backoff: Backoff;

  constructor(private readonly options: RestartBackoffOptions) {
    this.backoff = new Backoff(options);
  }

  next(run: { progressed: boolean; ranMs: number }): number {
    if (run.progressed && run.ranMs >= this.options.healthyMs) {
      this.backoff.reset();
      return 0;
    }
    return this.backoff.next();
  }
}
