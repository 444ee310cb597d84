import type { Logger } from 'pino';
import { Backoff } from '../process/backoff.js';
import type { DurableQueue, QueuedJob } from './durable-queue.js';

export interface QueueWorkerOptions<T> {
  queue: DurableQueue<T>;
  /** Does the job; throws to have it retried. */
  run(job: QueuedJob<T>): Promise<void>;
  /** After a job was done and removed. */
  done(job: QueuedJob<T>): Promise<void>;
  retry: { initialMs: number; maxMs: number };
  log: Logger;
  onFailure?(job: QueuedJob<T>, error: unknown): void;
}

/**
 * Works through one durable queue, oldest job first. A failure keeps the job
 * at the head and retries it after a capped, doubling pause: when the target
 * is down, the order of what it receives is kept and nothing is skipped.
 */
export class QueueWorker<T> {
  readonly #backoff: Backoff;
  #wake: (() => void) | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;
  failures = 0;

  constructor(private readonly options: QueueWorkerOptions<T>) {
    this.#backoff = new Backoff(options.retry);
  }

  start(): void {
    this.#loop = this.#work();
  }

  /** New work is queued: stop waiting for it (a retry pause is not cut short). */
  notify(): void {
    this.#wake?.();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#loop;
  }

  async #work(): Promise<void> {
    const { queue, log } = this.options;
    while (!this.#closed) {
      const job = queue.peek();
      if (!job) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      try {
        await this.options.run(job);
      } catch (error) {
        this.failures += 1;
        job.attempts += 1;
        await queue.save(job).catch(() => {});
        this.options.onFailure?.(job, error);
        const delay = this.#backoff.next();
        log.warn({ err: error, job: job.key, attempts: job.attempts, retryInMs: delay }, 'hand-off failed; retrying');
        await this.#pause(delay);
        continue;
      }
      this.#backoff.reset();
      await queue.remove(job);
      await this.options.done(job).catch((error: unknown) => log.error({ err: error, job: job.key }, 'after a hand-off'));
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      // Only close ends a pause early.
      this.#wake = () => {
        if (this.#closed) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
  }
}
