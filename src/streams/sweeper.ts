import type { Logger } from 'pino';

export interface Sweepable {
  sweepIdle(now?: number): Promise<string[]>;
}

/** Runs the idle sweep every intervalMs; sweeps never overlap. */
export function startSweeper(target: Sweepable, intervalMs: number, log: Logger): { close(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    target
      .sweepIdle()
      .catch((error: unknown) => log.error({ err: error }, 'idle sweep failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { close: () => clearInterval(timer) };
}
