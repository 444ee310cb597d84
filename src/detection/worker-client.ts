import { Worker } from 'node:worker_threads';
import { AppError } from '../errors/app-error.js';
import type { ModelInput, ModelKind } from './model-kind.js';
import type { RawResult } from './types.js';
import type { StageTiming, WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js';

export interface DetectionBatch {
  /** Per frame, in order: boxes normalized to the model input, or a classifier's top-k classes. */
  results: RawResult[];
  /** The frames, handed back (they travelled to the worker without a copy). */
  frames: Uint8Array[];
  timing: StageTiming;
}

export class DetectorError extends AppError {
  constructor(message: string) {
    super('detection_unavailable', message);
  }
}

// Under tsx (npm start, tests) this module is TypeScript and so is the worker beside it.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

/** A worker thread on worker.ts/js; a TypeScript worker first registers tsx's loader inside the thread. */
export function spawnWorker(workerData: WorkerInit): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** One worker thread with the model loaded; `died` settles (never rejects) when the thread is gone. */
export interface LoadedWorker {
  worker: Worker;
  input: ModelInput;
  kind: ModelKind;
  detect(frames: Uint8Array[]): Promise<DetectionBatch>;
  died: Promise<DetectorError>;
}

export async function loadWorker(init: WorkerInit, spawn: (init: WorkerInit) => Worker): Promise<LoadedWorker> {
  const worker = spawn(init);
  const pending = new Map<number, { resolve(batch: DetectionBatch): void; reject(error: Error): void }>();
  let nextId = 1;
  let failure: DetectorError | undefined;
  let markDied!: (error: DetectorError) => void;
  const died = new Promise<DetectorError>((resolve) => (markDied = resolve));

  const ready = new Promise<{ input: ModelInput; kind: ModelKind }>((resolve, reject) => {
    worker.on('message', (message: WorkerResponse) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'fatal') reject(new DetectorError(`cannot load model ${init.modelPath}: ${message.message}`));
      else {
        const request = pending.get(message.id);
        pending.delete(message.id);
        const frames = message.frames.map((buffer) => new Uint8Array(buffer));
        if (message.type === 'result') request?.resolve({ results: message.results, frames, timing: message.timing });
        else request?.reject(new DetectorError(`inference failed: ${message.message}`));
      }
    });
    const die = (error: Error) => {
      if (failure) return;
      failure = new DetectorError(`detection worker stopped: ${error.message}`);
      reject(failure);
      for (const request of pending.values()) request.reject(failure);
      pending.clear();
      markDied(failure);
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`exit code ${code}`)));
  });
  const { input, kind } = await ready.catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  return {
    worker,
    input,
    kind,
    died,
    detect(frames) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const buffers = frames.map((frame) => frame.buffer as ArrayBuffer);
        worker.postMessage({ type: 'detect', id, frames: buffers } satisfies WorkerRequest, buffers);
      });
    },
  };
}
