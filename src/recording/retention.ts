import { statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { RecordingCatalogue } from './catalogue.js';
import { planRetention } from './retention-plan.js';

/** Free bytes on the disk that holds `dir`; injectable, since a full disk cannot be arranged in every test. */
export type FreeBytes = (dir: string) => Promise<number>;

export const diskFreeBytes: FreeBytes = async (dir) => {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
};

export interface RetentionOptions {
  catalogue: RecordingCatalogue;
  root: string;
  /** Each camera's retention (its record_retain_hours, else RECORD_RETAIN_HOURS). */
  retainMs(id: string): number;
  maxBytes: number | undefined;
  minFreeBytes: number;
  intervalMs: number;
  freeBytes?: FreeBytes;
  log: Logger;
}

/**
 * Deletes recordings past their age, past RECORD_MAX_BYTES and, when the disk
 * runs low, as many as RECORD_MIN_FREE_BYTES needs: on a timer, and whenever
 * a segment is finished (sweep() is cheap: it reads the in-memory catalogue).
 */
export class RecordingRetention {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  /** Bytes the free-space guard could not free on its last sweep (a metric). */
  shortBytes = 0;

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.#timer.unref();
    void this.sweep();
  }

  /** One sweep at a time; a call during one asks for another after it. */
  sweep(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#sweepOnce()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'recording retention failed'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          void this.sweep();
        }
      });
    return this.#running;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#again = false;
    await this.#running;
  }

  async #sweepOnce(): Promise<void> {
    const { catalogue, log } = this.options;
    if (catalogue.cameras().length === 0) return; // nothing recorded (RECORD_DIR may not even exist yet)
    const plan = planRetention({
      cameras: catalogue.cameras().map((id) => ({ id, segments: catalogue.files(id), retainMs: this.options.retainMs(id) })),
      now: Date.now(),
      maxBytes: this.options.maxBytes,
      freeBytes: await (this.options.freeBytes ?? diskFreeBytes)(this.options.root),
      minFreeBytes: this.options.minFreeBytes,
    });
    for (const { id, name } of plan.forced) {
      log.error({ stream: id, file: name }, 'disk space low: deleting a recording that was still waiting for upload');
    }
    for (const [id, names] of plan.delete) {
      log.info({ stream: id, count: names.length, oldest: names[0] }, 'retention: deleting recordings');
      await catalogue.remove(id, names);
    }
    if (plan.shortBytes > 0 && this.shortBytes === 0) {
      log.error({ shortBytes: plan.shortBytes }, 'RECORD_MIN_FREE_BYTES cannot be kept: every finished recording is already deleted');
    }
    this.shortBytes = plan.shortBytes;
  }
}
