import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../src/detection/detection-event.js';
import { startUrl } from '../support/api.js';
import { type ClassifierModelOptions, writeClassifierModel } from '../support/classifier-model.js';
import { metricValue } from '../support/metrics.js';
import { startRtspCamera } from '../support/rtsp-camera.js';
import { SseClient } from '../support/sse-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];

// Logit of each colour class = its channel's normalized mean; "grey" is the bias alone.
const WEIGHTS = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
];
const BIAS = [0, 0, 0, 0];
const MODEL: ClassifierModelOptions = {
  size: 224,
  weights: WEIGHTS,
  bias: BIAS,
  metadata: { names: "{0: 'red', 1: 'green', 2: 'blue', 3: 'grey'}" },
};

/** The answer worked out by hand: ImageNet normalization, the Gemm, softmax; best first. */
function expectedClasses(rgb: Rgb, labels: string[]): Array<{ label: string; score: number }> {
  const [mean, std] = [
    [0.485, 0.456, 0.406],
    [0.229, 0.224, 0.225],
  ];
  const x = rgb.map((v, c) => (v / 255 - mean[c]!) / std[c]!);
  const logits = BIAS.map((b, k) => b + x.reduce((sum, value, c) => sum + value * WEIGHTS[c]![k]!, 0));
  const exps = logits.map((l) => Math.exp(l));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e, k) => ({ label: labels[k]!, score: e / total })).sort((a, b) => b.score - a.score);
}

function expectClasses(actual: Array<{ label: string; score: number }>, expected: Array<{ label: string; score: number }>) {
  expect(actual.map((c) => c.label)).toEqual(expected.map((c) => c.label));
  for (const [i, c] of actual.entries()) expect(c.score).toBeCloseTo(expected[i]!.score, 3);
}

const picture = (rgb: Rgb, size = 300) =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sm-classifier-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withClassifier<T>(
  options: ClassifierModelOptions,
  env: Record<string, string>,
  run: (t: TestApp) => Promise<T>,
): Promise<T> {
  const file = await writeClassifierModel(path.join(dir, `${Math.random().toString(36).slice(2)}.onnx`), options);
  const t = await startTestApp({ DETECT_MODEL: file, CONFIDENCE_THRESHOLD: '0.5', ...env });
  try {
    return await run(t);
  } finally {
    await t.close();
  }
}

async function predictImage(t: TestApp, png: Uint8Array) {
  const response = await fetch(`${t.baseUrl}/api/predict`, {
    method: 'POST',
    body: new Uint8Array(png),
    headers: { 'content-type': 'image/png' },
  });
  expect(response.status).toBe(200);
  return response.json();
}

describe('a classifier model on a real ONNX graph run by onnxruntime', () => {
  it('answers softmax top-k classes, labelled from the model metadata, and has_<label> from the threshold on', async () => {
    await withClassifier(MODEL, { DETECT_MODEL_TYPE: 'classifier' }, async (t) => {
      const result = await predictImage(t, await picture(RED));
      expect(result.model).toEqual({ kind: 'classifier', width: 224, height: 224 });
      expect(result.detections).toEqual([]);
      // CLASSIFIER_TOP_K is 5 by default: all four classes, best first.
      const expected = expectedClasses(RED, ['red', 'green', 'blue', 'grey']);
      expect(expected.map((c) => c.label)).toEqual(['red', 'grey', 'blue', 'green']);
      expectClasses(result.classifications, expected);
      expect(result.classifications[0].score).toBeGreaterThan(0.8);
      // Only red reaches CONFIDENCE_THRESHOLD; ImageNet-style classes hold no person.
      const flags = Object.fromEntries(Object.entries(result).filter(([key]) => key.startsWith('has_')));
      expect(flags).toEqual({ has_person: false, has_red: true });
    });
  });

  it('is recognised by its [N, C] output, takes a labels file over the metadata, and answers CLASSIFIER_TOP_K classes', async () => {
    const labels = path.join(dir, 'labels.txt');
    await writeFile(labels, '# colour names\ncrimson\nlime\n\nnavy\nslate\n');
    await withClassifier(MODEL, { DETECT_LABELS: labels, CLASSIFIER_TOP_K: '2', PERSON_LABELS: 'lime' }, async (t) => {
      const result = await predictImage(t, await picture(GREEN));
      expect(result.model.kind).toBe('classifier');
      expectClasses(result.classifications, expectedClasses(GREEN, ['crimson', 'lime', 'navy', 'slate']).slice(0, 2));
      expect(result.classifications[0].label).toBe('lime');
      // PERSON_LABELS names which labels are people.
      expect(result).toMatchObject({ has_lime: true, has_person: true });
    });
  });

  it('takes a model that ends in a softmax as it is, and labels from a JSON array in its metadata', async () => {
    const softmaxed = { ...MODEL, softmax: true, metadata: { labels: JSON.stringify(['red', 'green', 'blue', 'grey']) } };
    await withClassifier(softmaxed, {}, async (t) => {
      const result = await predictImage(t, await picture(BLUE));
      // Softmax twice would squeeze the scores together; these are the model's own.
      expectClasses(result.classifications, expectedClasses(BLUE, ['red', 'green', 'blue', 'grey']));
    });
  });

  it('answers a JSON batch per frame, in order, from one model run (the batch dimension is dynamic)', async () => {
    await withClassifier(MODEL, {}, async (t) => {
      const colours = [GREEN, RED, BLUE, RED];
      const frames = await Promise.all(
        colours.map(async (rgb, i) => ({ frame_number: 100 + i, frame_data: (await picture(rgb, 64 + i * 32)).toString('base64') })),
      );
      const runs = await metricValue(t.baseUrl, 'stream_manager_model_runs_total', { source: 'predict' });
      const response = await fetch(`${t.baseUrl}/api/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stream_id: 'line-3', frames }),
      });
      expect(response.status).toBe(200);
      const answer = await response.json();
      expect(answer).toMatchObject({ stream_id: 'line-3', model: { kind: 'classifier' }, inference_ms: expect.any(Number) });
      expect(answer.results.map((r: { frame_number: number }) => r.frame_number)).toEqual([100, 101, 102, 103]);
      for (const [i, result] of answer.results.entries()) {
        expectClasses(result.classifications, expectedClasses(colours[i]!, ['red', 'green', 'blue', 'grey']));
        expect(result.detections).toEqual([]);
      }
      expect(answer.results.map((r: Record<string, unknown>) => Object.keys(r).filter((k) => k.startsWith('has_') && r[k]))).toEqual([
        ['has_green'],
        ['has_red'],
        ['has_blue'],
        ['has_red'],
      ]);
      expect(await metricValue(t.baseUrl, 'stream_manager_model_runs_total', { source: 'predict' })).toBe(runs + 1);
      expect(await metricValue(t.baseUrl, 'stream_manager_model_frames_total', { source: 'predict' })).toBe(4);
    });
  });

  it('classifies the frames of a live camera: detection events carry classifications', async () => {
    const red = path.join(dir, 'red.png');
    await writeFile(red, await picture(RED, 224));
    const camera = await startRtspCamera({ image: red, width: 224, height: 224 });
    try {
      await withClassifier(MODEL, { DETECT_ENABLED: 'true', DETECT_FPS: '4' }, async (t) => {
        const events = await SseClient.open(`${t.baseUrl}/api/stream/events?indicator_id=colour`);
        try {
          expect((await fetch(startUrl(t.baseUrl, { indicator_id: 'colour', rtsp_link: camera.url }))).status).toBe(200);
          const [first] = await waitFor(() => (events.data<DetectionEvent>().length >= 2 ? events.data<DetectionEvent>() : undefined), {
            timeoutMs: 15_000,
            what: 'classification events',
          });
          expect(first).toMatchObject({ indicator_id: 'colour', detections: [] });
          expect(first!.classifications?.map((c) => c.label)).toEqual(['red', 'grey', 'blue', 'green']);
          expect(await metricValue(t.baseUrl, 'stream_manager_model_runs_total', { source: 'stream' })).toBeGreaterThanOrEqual(2);
        } finally {
          await events.close();
        }
      });
    } finally {
      await camera.stop();
    }
  });
});
