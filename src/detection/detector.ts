import { setTimeout as delay } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { Backoff } from '../process/backoff.js';
import { type ClassifierSettings, DEFAULT_CLASSIFIER, type Thresholds } from './decode.js';
import { COCO_LABELS, labelsFromMetadata, readLabelsFile } from './labels.js';
import type { ModelInput, ModelKind } from './model-kind.js';
import { readModelMetadata } from './model-metadata.js';
import { type DetectionBatch, DetectorError, type LoadedWorker, loadWorker, spawnWorker } from './worker-client.js';
import type { WorkerInit, WorkerRequest } from './worker-protocol.js';

export { type DetectionBatch, DetectorError } from './worker-client.js';

/** How long closing waits for an inference in progress before terminating the thread anyway. */
const CLOSE_TIMEOUT_MS = 8000;
/** Pauses between attempts to load the model again after the worker died. */
const RESTART_BACKOFF = { initialMs: 500, maxMs: 30_000 };

export interface DetectorOptions {
  modelPath: string;
  kind: ModelKind | undefined;
  threads: number;
  thresholds: Thresholds;
  /** Default: DEFAULT_CLASSIFIER. */
  classifier?: ClassifierSettings;
  labelsFile: string | undefined;
  /** Where restarts of a dead worker are reported. */
  log?: Logger;
}

/** The model, running in a worker thread; one instance serves every camera. */
export interface Detector {
  readonly input: ModelInput;
  readonly kind: ModelKind;
  readonly labels: readonly string[];
  /** Packed RGB frames of exactly input.width × input.height; their buffers are transferred. */
  detect(frames: Uint8Array[]): Promise<DetectionBatch>;
  close(): Promise<void>;
}

/**
 * The model in a supervised worker thread: should the thread die (an uncaught
 * error, memory exhausted), calls fail at once while it is loaded again, with
 * capped exponential pauses, and the cameras' detections resume by themselves.
 */
export async function startDetector(options: DetectorOptions, spawn: (init: WorkerInit) => Worker = spawnWorker): Promise<Detector> {
  const init: WorkerInit = {
    modelPath: options.modelPath,
    kind: options.kind,
    threads: options.threads,
    thresholds: options.thresholds,
    classifier: options.classifier ?? DEFAULT_CLASSIFIER,
  };
  let current: LoadedWorker | undefined = await loadWorker(init, spawn);
  let failure: DetectorError | undefined;
  const closing = new AbortController();
  const backoff = new Backoff(RESTART_BACKOFF);
  const first = current;
  const labels = await resolveLabels(first.kind, options).catch(async (error: Error) => {
    await first.worker.terminate(); // a detector that is never handed out must not keep its thread and session
    throw new DetectorError(`cannot read the labels: ${error.message}`);
  });

  const supervise = (loaded: LoadedWorker): void => {
    void loaded.died.then(async (error) => {
      if (closing.signal.aborted) return;
      failure = error;
      current = undefined;
      options.log?.error({ err: error }, 'detection worker died; loading the model again');
      while (!closing.signal.aborted) {
        // Aborted by close(), so that a long pause does not hold the process open.
        await delay(backoff.next(), undefined, { signal: closing.signal }).catch(() => {});
        if (closing.signal.aborted) return;
        try {
          const replacement = await loadWorker(init, spawn);
          if (closing.signal.aborted) return void (await replacement.worker.terminate());
          current = replacement;
          failure = undefined;
          options.log?.info('detection worker running again');
          return supervise(replacement);
        } catch (reloadError) {
          options.log?.error({ err: reloadError }, 'detection worker failed to load again');
        }
      }
    });
  };
  supervise(first);

  return {
    input: first.input,
    kind: first.kind,
    labels,
    detect(frames) {
      if (!current) return Promise.reject(failure ?? new DetectorError('the detector is closed'));
      // Pauses grow until a worker has actually worked: one that dies on every inference must not reload twice a second.
      return current.detect(frames).then((batch) => {
        backoff.reset();
        return batch;
      });
    },
    async close() {
      closing.abort();
      const loaded = current;
      current = undefined;
      if (!loaded) return; // the thread is gone already
      const { worker } = loaded;
      worker.removeAllListeners('exit');
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ type: 'close' } satisfies WorkerRequest);
      // A run can take seconds on a slow model; wait for it rather than kill onnxruntime mid-run.
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      await exited; // terminate() ends in 'exit' too
      clearTimeout(timer);
    },
  };
}

/**
 * A labels file wins, then the model's own metadata, then COCO-80 for YOLO;
 * BlazeFace finds faces. A classifier without labels answers class numbers:
 * COCO names on ImageNet classes would be wrong answers that look right.
 */
async function resolveLabels(kind: ModelKind, options: DetectorOptions): Promise<string[]> {
  if (kind === 'blazeface') return ['face'];
  if (options.labelsFile) return readLabelsFile(options.labelsFile);
  const names = labelsFromMetadata(await readModelMetadata(options.modelPath));
  return names ?? (kind === 'classifier' ? [] : COCO_LABELS);
}
