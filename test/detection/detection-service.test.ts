import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../src/detection/detection-event.js';
import { DetectionService } from '../../src/detection/detection-service.js';
import { type Detector, startDetector } from '../../src/detection/detector.js';
import { EventBus } from '../../src/events/bus.js';
import type { StreamEvents } from '../../src/events/stream-events.js';
import type { StreamOutput } from '../../src/streams/output.js';
import { writeModel } from '../support/onnx-models.js';
import { waitFor } from '../support/wait-for.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The real detector on a dynamic-batch YOLO graph (one person box), with each batch size noted. */
async function recordingDetector(dir: string): Promise<{ detector: Detector; batches: number[] }> {
  const output = new Array(7 * 8).fill(0);
  // Candidate 0 of the v8 layout [1, 7, 8]: a person at (16, 16) 8×8 in a 64×64 input.
  for (const [k, value] of [16, 16, 8, 8, 0.9, 0, 0].entries()) output[k * 8] = value;
  const model = await writeModel(path.join(dir, 'batch.onnx'), {
    width: 64,
    height: 64,
    dynamicBatch: true,
    outputDims: [1, 7, 8],
    output,
    names: "{0: 'person', 1: 'van', 2: 'dog'}",
  });
  const real = await startDetector({
    modelPath: model,
    kind: undefined,
    threads: 1,
    thresholds: { confidence: 0.5, iou: 0.45 },
    labelsFile: undefined,
  });
  const batches: number[] = [];
  const detector: Detector = {
    input: real.input,
    kind: real.kind,
    labels: real.labels,
    detect: (frames) => {
      batches.push(frames.length);
      return real.detect(frames);
    },
    close: () => real.close(),
  };
  return { detector, batches };
}

const silent = pino({ level: 'silent' });

/** Runs a stream's frames output as a stream would, and returns the pipe FFmpeg would write to. */
async function openFrames(output: StreamOutput, size?: { width: number; height: number }) {
  const pipe = new PassThrough();
  const prepared = await output.prepare({ plan: { video: 'copy', audio: 'none' }, restart: false, pipe: 'pipe:3' });
  expect(prepared.args.at(-1)).toBe('pipe:3');
  prepared.open({ pipe, progress: () => {}, source: () => (size ? { video: { codec: 'h264', ...size } } : undefined) });
  return (chunk: Uint8Array) => pipe.write(chunk);
}

describe('DetectionService', () => {
  it('batches frames of several cameras into one model run and captures a dataset', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-service-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { detector, batches } = await recordingDetector(dir);
    expect(detector.input.dynamicBatch).toBe(true);
    const capture = path.join(dir, 'capture');
    const bus = new EventBus<StreamEvents>(silent);
    const service = new DetectionService(
      detector,
      { fps: 2, keyframesOnly: false, batchSize: 4, batchTimeoutMs: 200, capture: { dir: capture, everyN: 1 } },
      silent,
      bus,
    );
    cleanups.push(() => service.close());

    const events: DetectionEvent[] = [];
    bus.on('detection', (event) => events.push(event));
    const ids = ['a', 'b', 'c', 'd'];
    // Each camera's picture is 64×64, the same as the model input: no letterbox.
    const pipes = await Promise.all(ids.map((id) => openFrames(service.framesOutput(id), { width: 64, height: 64 })));
    const frame = new Uint8Array(64 * 64 * 3).fill(128);
    for (const pipe of pipes) pipe(frame);

    await waitFor(() => events.length === 4, { what: 'four events' });
    expect(batches).toEqual([4]);
    expect(events.map((e) => e.indicator_id).sort()).toEqual(ids);
    for (const event of events) {
      expect(event.detections).toEqual([{ label: 'person', score: 0.9, box: { x: 0.1875, y: 0.1875, w: 0.125, h: 0.125 } }]);
    }

    // Capture: YYYY/MM/DD/<timestamp>_<uuid>.jpg with a .json of its detections beside it.
    const files = await waitFor(
      async () => {
        const found = await readdir(capture, { recursive: true }).catch(() => [] as string[]);
        const leaves = found.filter((f) => f.endsWith('.jpg') || f.endsWith('.json'));
        return leaves.length === 8 ? leaves : undefined;
      },
      { what: 'captured files' },
    );
    const json = files.find((f) => f.endsWith('.json'))!;
    expect(json).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}T[\d-]+Z_[0-9a-f-]{36}\.json$/);
    expect(files).toContain(json.replace(/\.json$/, '.jpg'));
    const meta = JSON.parse(await readFile(path.join(capture, json), 'utf8'));
    expect(meta).toMatchObject({
      indicator_id: expect.stringMatching(/^[abcd]$/),
      width: 64,
      height: 64,
      detections: events[0]!.detections,
    });
    const jpeg = await readFile(path.join(capture, json.replace(/\.json$/, '.jpg')));
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('keeps the newest frame of a camera while the model is busy and counts the rest as dropped', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-service-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { detector, batches } = await recordingDetector(dir);
    const bus = new EventBus<StreamEvents>(silent);
    let dropped = 0;
    bus.on('detection.dropped', () => dropped++);
    const service = new DetectionService(
      detector,
      { fps: 2, keyframesOnly: false, batchSize: 1, batchTimeoutMs: 0, capture: undefined },
      silent,
      bus,
    );
    cleanups.push(() => service.close());
    const output = service.framesOutput('cam');
    const pipe = await openFrames(output);
    // Ten frames at once, split across odd chunk boundaries: the first goes to the model, the
    // other nine compete for the one waiting place.
    const bytes = new Uint8Array(10 * 64 * 64 * 3);
    for (let offset = 0; offset < bytes.length; offset += 5000) pipe(bytes.subarray(offset, offset + 5000));

    const stats = () => output.status() as { inferred: number };
    await waitFor(() => stats().inferred === 2, { what: 'two inferences' });
    expect(batches).toEqual([1, 1]);
    expect(stats()).toMatchObject({ frames_in: 10, inferred: 2, dropped: 8 });
    expect(dropped).toBe(8);
  });
});
