import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface QueuedJob<T> {
  /** File name in the queue's folder; sorts in arrival order. */
  readonly key: string;
  readonly createdAt: number;
  attempts: number;
  readonly payload: T;
}

/**
 * A FIFO of jobs that survives restarts: one small JSON file per job, written
 * to a temporary name and renamed, so a crash leaves either the whole job or
 * none of it. Jobs stay on disk until removed, which is only after they were
 * done.
 */
export class DurableQueue<T> {
  #jobs: Array<QueuedJob<T>> = [];
  #sequence = 0;

  constructor(readonly dir: string) {}

  /** Reads the jobs a previous run left. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const files = (await readdir(this.dir)).filter((file) => file.endsWith('.json')).sort();
    const jobs: Array<QueuedJob<T>> = [];
    for (const file of files) {
      try {
        jobs.push(JSON.parse(await readFile(path.join(this.dir, file), 'utf8')) as QueuedJob<T>);
      } catch {
        await rm(path.join(this.dir, file), { force: true }); // never whole: written by rename
      }
    }
    this.#jobs = jobs;
  }

  get size(): number {
    return this.#jobs.length;
  }

  peek(): QueuedJob<T> | undefined {
    return this.#jobs[0];
  }

  jobs(): ReadonlyArray<QueuedJob<T>> {
    return this.#jobs;
  }

  async push(payload: T, now = Date.now()): Promise<QueuedJob<T>> {
    // Time first, so keys sort in arrival order across restarts; the sequence breaks ties.
    const key = `${String(now).padStart(15, '0')}-${String(this.#sequence++).padStart(6, '0')}.json`;
    const job: QueuedJob<T> = { key, createdAt: now, attempts: 0, payload };
    await this.#write(job);
    this.#jobs.push(job);
    return job;
  }

  /** Persists a job's attempt count. */
  async save(job: QueuedJob<T>): Promise<void> {
    await this.#write(job);
  }

  async remove(job: QueuedJob<T>): Promise<void> {
    await rm(path.join(this.dir, job.key), { force: true });
    this.#jobs = this.#jobs.filter((j) => j !== job);
  }

  async #write(job: QueuedJob<T>): Promise<void> {
    const file = path.join(this.dir, job.key);
    await writeFile(`${file}.tmp`, JSON.stringify(job));
    await rename(`${file}.tmp`, file);
  }
}
