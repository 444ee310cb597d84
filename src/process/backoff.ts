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
