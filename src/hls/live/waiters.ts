export type WaitResult = 'ready' | 'timeout' | 'gone';

interface Waiter {
  ready(): boolean;
  settle(result: WaitResult): void;
}

/**
 * Requests held until the live window has what they ask for (a blocking
 * playlist reload, the preload-hinted part). Nothing polls: each change of
 * the window checks the held requests once; each request has one timer for
 * its time limit; close() releases them all.
 */
export class Waiters {
  private readonly held = new Set<Waiter>();
  private closed = false;

  /** Resolves once `ready()` holds (checked now and after each notify), at the time limit, or at close. */
  wait(ready: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    if (this.closed) return Promise.resolve('gone');
    if (ready()) return Promise.resolve('ready');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        ready,
        settle: (result) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.held.delete(waiter);
          resolve(result);
        },
      };
      const timer = setTimeout(() => waiter.settle('timeout'), timeoutMs);
      const onAbort = () => waiter.settle('gone');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.held.add(waiter);
    });
  }

  /** The window changed: release every request it now satisfies. */
  notify(): void {
    for (const waiter of [...this.held]) if (waiter.ready()) waiter.settle('ready');
  }

  get size(): number {
    return this.held.size;
  }

  close(): void {
    this.closed = true;
    for (const waiter of [...this.held]) waiter.settle('gone');
  }
}
