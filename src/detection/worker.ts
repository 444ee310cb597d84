// Runs in a worker thread: model inference never blocks the daemon's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { createDecoder, pixelRangeOf, sliceBatch } from './decode.js';
import { detectModelKind, type ModelKind, modelInput } from './model-kind.js';
import { framesToTensor } from './preprocess.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;

async function main(): Promise<void> {
  const session = await ort.InferenceSession.create(init.modelPath, {
    intraOpNumThreads: init.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const input = modelInput(session.inputMetadata.map((m) => ({ name: m.name, dims: m.isTensor ? m.shape : [] })));
  const kind: ModelKind =
    init.kind ?? detectModelKind(session.outputMetadata.map((m) => ({ name: m.name, dims: m.isTensor ? m.shape : [] })));
  const range = pixelRangeOf(kind, init.classifier);
  const decode = createDecoder(kind, input, init.thresholds, init.classifier);
  post({ type: 'ready', input, kind });

  // Runs go one after another; closing waits for the one in progress, because
  // terminating a thread inside onnxruntime aborts the whole process.
  let queue = Promise.resolve();
  // One tensor buffer, refilled for every run: runs never overlap, and onnxruntime is done with it when run() resolves.
  let scratch: Float32Array | undefined;
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'close') {
      queue = queue.then(async () => {
        await session.release();
        port.close();
      });
      return;
    }
    queue = queue.then(() => detect(request));
  });

  async function detect(request: Extract<WorkerRequest, { type: 'detect' }>): Promise<void> {
    try {
      const frames = request.frames.map((buffer) => new Uint8Array(buffer));
      const t0 = performance.now();
      const data = framesToTensor(frames, input, range, scratch);
      scratch = data;
      const dims = input.layout === 'nchw' ? [frames.length, 3, input.height, input.width] : [frames.length, input.height, input.width, 3];
      const t1 = performance.now();
      const named = await session.run({ [input.name]: new ort.Tensor('float32', data, dims) });
      const t2 = performance.now();
      const outputs = session.outputNames.map((name) => ({ data: named[name]!.data as Float32Array, dims: named[name]!.dims }));
      const results = frames.map((_, i) => decode(outputs.map((o) => sliceBatch(o, i))));
      const t3 = performance.now();
      post(
        {
          type: 'result',
          id: request.id,
          frames: request.frames,
          results,
          timing: { preMs: t1 - t0, inferMs: t2 - t1, postMs: t3 - t2 },
        },
        request.frames,
      );
    } catch (error) {
      post({ type: 'failed', id: request.id, frames: request.frames, message: (error as Error).message }, request.frames);
    }
  }
}

function post(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

main().catch((error: unknown) => post({ type: 'fatal', message: (error as Error).message }));
