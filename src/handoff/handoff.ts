import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RecordingCatalogue } from '../recording/catalogue.js';
import { isSnapshot, objectKey } from '../recording/layout.js';
import type { RecordedSegment } from '../recording/segment.js';
import { DurableQueue, type QueuedJob } from './durable-queue.js';
import { QueueWorker } from './queue-worker.js';
import type { S3Target } from './s3-target.js';
import type { WebhookTarget } from './webhook-target.js';

export interface HandoffJob {
  camera: string;
  segment: RecordedSegment;
  /** Set once the S3 step is done, for the webhook's notice. */
  s3Key?: string;
  /** The file was deleted before it could be handed on (an operator's DELETE, the disk guard): nothing left to do. */
  gone?: boolean;
}

export interface HandoffOptions {
  /** Where the queues live: <dir>/s3, <dir>/webhook. */
  dir: string;
  /** RECORD_DIR, for the paths in notices. */
  root: string;
  catalogue: Pick<RecordingCatalogue, 'update' | 'remove' | 'pathOf'>;
  s3: { target: S3Target; prefix: string } | undefined;
  webhook: WebhookTarget | undefined;
  deleteLocal: boolean;
  queueMax: number;
  retry: { initialMs: number; maxMs: number };
  log: Logger;
}

type Step = 's3' | 'webhook';

const kindOf = (file: RecordedSegment) => (isSnapshot(file.name) ? 'snapshot' : 'segment');

/**
 * Hands each finished segment on: to S3, then to the webhook (with the S3 key),
 * each step a durable queue of its own so that a webhook that is down does not
 * hold uploads back. A segment is 'pending' until the last step is done, then
 * 'uploaded'. Past UPLOAD_QUEUE_MAX pending segments, new ones are kept on disk
 * and marked 'backlog', loudly, instead of queued.
 */
export class Handoff {
  readonly #queues = new Map<Step, DurableQueue<HandoffJob>>();
  readonly #workers = new Map<Step, QueueWorker<HandoffJob>>();
  readonly #steps: Step[];

  constructor(private readonly options: HandoffOptions) {
    this.#steps = [...(options.s3 ? (['s3'] as const) : []), ...(options.webhook ? (['webhook'] as const) : [])];
    for (const step of this.#steps) {
      const queue = new DurableQueue<HandoffJob>(path.join(options.dir, step));
      this.#queues.set(step, queue);
      this.#workers.set(
        step,
        new QueueWorker({
          queue,
          run: (job) => this.#run(step, job),
          done: (job) => this.#next(step, job),
          retry: options.retry,
          log: options.log.child({ handoff: step }),
        }),
      );
    }
  }

  get enabled(): boolean {
    return this.#steps.length > 0;
  }

  async start(): Promise<void> {
    for (const queue of this.#queues.values()) await queue.open();
    for (const worker of this.#workers.values()) worker.start();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#workers.values()].map((worker) => worker.close()));
  }

  /** A segment is finished: queue its first step. */
  async add(camera: string, segment: RecordedSegment): Promise<void> {
    const first = this.#steps[0];
    if (!first) return;
    if (this.depth() >= this.options.queueMax) {
      this.options.log.error(
        { stream: camera, file: segment.name, queued: this.depth() },
        'UPLOAD_QUEUE_MAX reached: the segment is kept on disk but not queued for hand-off',
      );
      await this.options.catalogue.update(camera, segment.name, { upload: 'backlog' });
      return;
    }
    await this.options.catalogue.update(camera, segment.name, { upload: 'pending' });
    await this.#push(first, { camera, segment });
  }

  /** Pending segments over all steps (each segment is in one step at a time). */
  depth(): number {
    let depth = 0;
    for (const queue of this.#queues.values()) depth += queue.size;
    return depth;
  }

  /** Per step: queued jobs, the oldest one's age, failures so far. */
  stats(now = Date.now()): Array<{ step: Step; depth: number; oldestAgeSeconds: number; failures: number }> {
    return this.#steps.map((step) => {
      const queue = this.#queues.get(step)!;
      const oldest = queue.peek();
      return {
        step,
        depth: queue.size,
        oldestAgeSeconds: oldest ? (now - oldest.createdAt) / 1000 : 0,
        failures: this.#workers.get(step)!.failures,
      };
    });
  }

  async #push(step: Step, job: HandoffJob): Promise<void> {
    await this.#queues.get(step)!.push(job);
    this.#workers.get(step)!.notify();
  }

  async #run(step: Step, { payload }: QueuedJob<HandoffJob>): Promise<void> {
    const { camera, segment } = payload;
    const file = this.options.catalogue.pathOf(camera, segment);
    if (
      !(await access(file).then(
        () => true,
        () => false,
      ))
    ) {
      this.options.log.warn({ stream: camera, file: segment.name, step }, 'a segment was deleted before its hand-off');
      payload.gone = true;
      return;
    }
    if (step === 's3') {
      const { target, prefix } = this.options.s3!;
      const key = objectKey(prefix, camera, segment.name);
      await target.put({
        key,
        file,
        metadata: { camera, kind: kindOf(segment), start: new Date(segment.start).toISOString(), duration: String(segment.duration) },
      });
      payload.s3Key = key;
      return;
    }
    await this.options.webhook!.send(
      {
        camera,
        kind: kindOf(segment),
        path: path.relative(this.options.root, file),
        start: new Date(segment.start).toISOString(),
        duration: segment.duration,
        size: segment.bytes,
        ...(payload.s3Key ? { s3_key: payload.s3Key } : {}),
      },
      file,
    );
  }

  async #next(step: Step, { payload }: QueuedJob<HandoffJob>): Promise<void> {
    if (payload.gone) return;
    const after = this.#steps[this.#steps.indexOf(step) + 1];
    if (after) return this.#push(after, payload);
    const { camera, segment, s3Key } = payload;
    await this.options.catalogue.update(camera, segment.name, { upload: 'uploaded', ...(s3Key ? { s3Key } : {}) });
    if (this.options.deleteLocal && s3Key) {
      this.options.log.info({ stream: camera, file: segment.name, key: s3Key }, 'uploaded; deleting the local copy');
      await this.options.catalogue.remove(camera, [segment.name]);
    }
  }
}
