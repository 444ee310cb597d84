import type { Logger } from 'pino';

export interface Sweepable {
  sweepIdle(now?: number): Promise<string[]>;
}

/** Runs the idle sweep every intervalMs once started; sweeps never overlap. */
export function createSweeper(target: Sweepable, intervalMs: number, log: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  return {
    start() {
      timer = setInterval(() => {
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
    },
    close() {
      clearInterval(timer);
    },
  };
}
