import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { DetectorError, startDetector } from '../../src/detection/detector.js';
import { spawnWorker } from '../../src/detection/worker-client.js';
import { writeModel } from '../support/onnx-models.js';
import { waitFor } from '../support/wait-for.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the detector', () => {
  it('loads the model again after its worker thread dies, and detects again', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-detector-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const output = new Array(7 * 8).fill(0);
    for (const [k, value] of [16, 16, 8, 8, 0.9, 0, 0].entries()) output[k * 8] = value; // one person, YOLO v8 layout
    const model = await writeModel(path.join(dir, 'one.onnx'), { width: 64, height: 64, outputDims: [1, 7, 8], output });
    // The real worker, with a handle kept so that the test can act out its death.
    const workers: Worker[] = [];
    const detector = await startDetector(
      { modelPath: model, kind: undefined, threads: 1, thresholds: { confidence: 0.5, iou: 0.45 }, labelsFile: undefined },
      (init) => {
        const worker = spawnWorker(init);
        workers.push(worker);
        return worker;
      },
    );
    cleanups.push(() => detector.close());
    const frame = () => new Uint8Array(64 * 64 * 3);
    expect((await detector.detect([frame()])).results[0]!.detections).toHaveLength(1);

    await workers[0]!.terminate();
    await expect(detector.detect([frame()])).rejects.toThrow(DetectorError);
    await waitFor(() => workers.length === 2, { timeoutMs: 10_000, what: 'a new worker' });
    const again = await waitFor(() => detector.detect([frame()]).catch(() => undefined), { timeoutMs: 20_000, what: 'detections again' });
    expect(again.results[0]!.detections).toHaveLength(1);

    await detector.close();
    await waitFor(() => workers[1]!.threadId === -1, { timeoutMs: 10_000, what: 'the worker to exit on close' });
    expect(workers).toHaveLength(2);
  });
});
