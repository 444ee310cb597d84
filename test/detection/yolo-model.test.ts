import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModel } from '../support/onnx-models.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sm-yolo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** v8/v11 layout [1, 4 + C, N]: attribute-major, so column i is one candidate. */
function v8Output(candidates: number[][], attributes: number, count: number): number[] {
  const data = new Array(attributes * count).fill(0);
  for (const [i, values] of candidates.entries()) {
    for (const [k, value] of values.entries()) data[k * count + i] = value;
  }
  return data;
}

async function withModel<T>(
  options: Parameters<typeof writeModel>[1],
  env: Record<string, string>,
  run: (t: TestApp) => Promise<T>,
): Promise<T> {
  const file = await writeModel(path.join(dir, `${Math.random().toString(36).slice(2)}.onnx`), options);
  const t = await startTestApp({ DETECT_MODEL: file, CONFIDENCE_THRESHOLD: '0.5', IOU_THRESHOLD: '0.45', ...env });
  try {
    return await run(t);
  } finally {
    await t.close();
  }
}

async function predict(t: TestApp, width: number, height: number) {
  const png = await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 120, b: 150 } } })
    .png()
    .toBuffer();
  const response = await fetch(`${t.baseUrl}/api/predict`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } });
  expect(response.status).toBe(200);
  return response.json();
}

describe('YOLO decoding on a real ONNX graph run by onnxruntime', () => {
  const v8 = {
    width: 640,
    height: 640,
    dynamicBatch: true,
    outputDims: [1, 7, 8],
    output: v8Output(
      [
        [160, 320, 64, 128, 0.9, 0.1, 0], // a person
        [165, 322, 64, 128, 0.8, 0, 0], // the same person, weaker: suppressed by NMS
        [165, 322, 64, 128, 0.05, 0.7, 0], // a forklift in the same place: another class, kept
        [500, 100, 20, 20, 0.1, 0.1, 0.2], // below CONFIDENCE_THRESHOLD
      ],
      7,
      8,
    ),
    names: "{0: 'person', 1: 'forklift', 2: 'helmet'}",
  };

  it('v8 layout: decodes, applies class-wise NMS and takes labels from the metadata', async () => {
    await withModel(v8, {}, async (t) => {
      const result = await predict(t, 640, 640);
      expect(result.model).toEqual({ kind: 'yolov8', width: 640, height: 640 });
      expect(result.detections).toEqual([
        { label: 'person', score: 0.9, box: { x: 0.2, y: 0.4, w: 0.1, h: 0.2 } },
        { label: 'forklift', score: 0.7, box: { x: 0.2078, y: 0.4031, w: 0.1, h: 0.2 } },
      ]);
    });
  });

  it('undoes the letterbox: boxes are normalized to the 16:9 picture, not the square input', async () => {
    await withModel(v8, {}, async (t) => {
      // 1280×720 → 640×360 content, 140 px bars above and below.
      const [person] = (await predict(t, 1280, 720)).detections;
      expect(person).toEqual({ label: 'person', score: 0.9, box: { x: 0.2, y: 0.3222, w: 0.1, h: 0.3556 } });
    });
  });

  const v5 = {
    width: 320,
    height: 320,
    outputDims: [1, 10, 8],
    output: [
      [160, 160, 32, 64, 0.9, 0.1, 0.95, 0.2], // objectness × best class = 0.855, class 1
      [161, 159, 32, 64, 0.8, 0, 0.9, 0], // overlapping, same class: suppressed
      [50, 50, 16, 16, 0.3, 1, 0, 0], // 0.3: below the threshold
      ...Array.from({ length: 7 }, () => new Array(8).fill(0)),
    ].flat(),
  };

  it('v5 layout: objectness × class score, COCO names by default', async () => {
    await withModel(v5, {}, async (t) => {
      const result = await predict(t, 320, 320);
      expect(result.model.kind).toBe('yolov5');
      expect(result.detections).toEqual([{ label: 'bicycle', score: 0.855, box: { x: 0.45, y: 0.4, w: 0.1, h: 0.2 } }]);
    });
  });

  it('a labels file overrides the defaults', async () => {
    const labels = path.join(dir, 'labels.txt');
    await writeFile(labels, '# site classes\nvisitor\nvan\n');
    await withModel(v5, { DETECT_LABELS: labels }, async (t) => {
      expect((await predict(t, 320, 320)).detections.map((d: { label: string }) => d.label)).toEqual(['van']);
    });
  });

  it('DETECT_MODEL_TYPE overrides the shape-based guess', async () => {
    // The v5 table read as v8 decodes differently (and finds nothing above the threshold).
    await withModel(v5, { DETECT_MODEL_TYPE: 'yolov8' }, async (t) => {
      const result = await predict(t, 320, 320);
      expect(result.model.kind).toBe('yolov8');
      expect(result.detections).not.toEqual([{ label: 'bicycle', score: 0.855, box: { x: 0.45, y: 0.4, w: 0.1, h: 0.2 } }]);
    });
  });

  it('reports a model it cannot load as detection_unavailable', async () => {
    const t = await startTestApp({ DETECT_MODEL: path.join(dir, 'missing.onnx') });
    try {
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'black' } })
        .png()
        .toBuffer();
      const response = await fetch(`${t.baseUrl}/api/predict`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: 'detection_unavailable', message: expect.stringContaining('not found') });
    } finally {
      await t.close();
    }
  });
});
