import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue } from '../support/metrics.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));
const LIMITS = { PREDICT_MAX_FRAMES: '4', PREDICT_MAX_BYTES: String(1024 * 1024), PREDICT_MAX_FRAME_BYTES: String(200 * 1024) };

let t: TestApp;
let face: Buffer;
let plain: Buffer;
beforeAll(async () => {
  // The real BlazeFace model (models/blazeface-front-128.onnx, a fixed batch of 1).
  t = await startTestApp(LIMITS);
  face = await sharp(await readFile(ASTRONAUT))
    .jpeg()
    .toBuffer();
  plain = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 110, b: 130 } } })
    .jpeg()
    .toBuffer();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const postJson = (body: unknown) =>
  fetch(`${t.baseUrl}/api/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const frame = (frame_number: number, jpeg: Buffer) => ({ frame_number, frame_data: jpeg.toString('base64') });
const runs = () => metricValue(t.baseUrl, 'stream_manager_model_runs_total', { source: 'predict' });

describe('POST /api/predict, JSON batch form, with the real BlazeFace model', () => {
  it('answers N frames with N results in order, each as the single-picture form answers it', async () => {
    const single = await (
      await fetch(`${t.baseUrl}/api/predict`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(face) })
    ).json();
    expect(single.detections).toHaveLength(1);
    expect(single).toMatchObject({ has_face: true, has_person: true });

    const before = await runs();
    const response = await postJson({ stream_id: 'cam-7', frames: [frame(40, face), frame(41, plain), frame(42, face)] });
    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer).toMatchObject({
      stream_id: 'cam-7',
      model: { kind: 'blazeface', width: 128, height: 128 },
      inference_ms: expect.any(Number),
    });
    expect(answer.results).toEqual([
      { frame_number: 40, detections: single.detections, has_face: true, has_person: true },
      { frame_number: 41, detections: [], has_person: false },
      { frame_number: 42, detections: single.detections, has_face: true, has_person: true },
    ]);
    // BlazeFace's batch dimension is fixed at 1: one run per frame.
    expect(await runs()).toBe(before + 3);
  });

  it('answers 413 past the frame count, the body size and a frame’s size, before any model run', async () => {
    const before = await runs();
    const tooMany = await postJson({ frames: [1, 2, 3, 4, 5].map((n) => frame(n, plain)) });
    expect(tooMany.status).toBe(413);
    expect(await tooMany.json()).toMatchObject({ error: 'payload_too_large', message: expect.stringMatching(/5 frames.*at most 4/) });

    const tooBig = await postJson({ frames: [{ frame_number: 0, frame_data: 'A'.repeat(1024 * 1024 + 16) }] });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error: 'payload_too_large' });
    // PREDICT_MAX_BYTES holds for the one-picture form too.
    const bigPicture = await fetch(`${t.baseUrl}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(1024 * 1024 + 16),
    });
    expect(bigPicture.status).toBe(413);

    const bigFrame = await postJson({ frames: [frame(0, plain), { frame_number: 8, frame_data: 'A'.repeat(300 * 1024) }] });
    expect(bigFrame.status).toBe(413);
    expect(await bigFrame.json()).toMatchObject({
      error: 'payload_too_large',
      message: expect.stringMatching(/^frames\[1\] \(frame_number 8\): .*at most 204800/),
      details: { frame_index: 1, frame_number: 8 },
    });
    expect(await runs()).toBe(before);
  });

  it('answers 400 naming the frame for bad base64 or a non-image, and for missing fields, before any model run', async () => {
    const before = await runs();
    const cases: Array<[unknown, RegExp]> = [
      [{ frames: [frame(0, face), { frame_number: 1, frame_data: '***' }] }, /^frames\[1\] \(frame_number 1\): frame_data is not base64/],
      [
        { frames: [frame(0, face), frame(5, Buffer.from('no picture here'))] },
        /^frames\[1\] \(frame_number 5\): frame_data is not a readable image/,
      ],
      [{ frames: [frame(0, face), { frame_number: 2 }] }, /^frames\[1\]\.frame_data: frame_data is required/],
      [{ frames: [{ frame_data: face.toString('base64') }] }, /^frames\[0\]\.frame_number: frame_number is required/],
      [{ stream_id: 'cam' }, /frames is required/],
      [{ frames: [] }, /at least one frame/],
      ['{"frames": [', /JSON/i],
    ];
    for (const [body, message] of cases) {
      const response = await postJson(body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((await response.json()).message).toMatch(message);
    }
    const notImage = await postJson({ frames: [frame(0, face), frame(5, Buffer.from('no picture here'))] });
    expect(await notImage.json()).toMatchObject({ error: 'invalid_image', details: { frame_index: 1, frame_number: 5 } });
    const notBase64 = await postJson({ frames: [{ frame_number: 3, frame_data: '***' }] });
    expect(await notBase64.json()).toMatchObject({
      error: 'invalid_request',
      details: [{ field: 'frames.0.frame_data', frame_number: 3 }],
    });
    expect(await runs()).toBe(before);
  });
});

describe('GET /api/health, detection part', () => {
  it('names the model and the device, as the seed inference service does, and says whether it is loaded', async () => {
    const fresh = await startTestApp();
    try {
      const health = async () => (await (await fetch(`${fresh.baseUrl}/api/health`)).json()).detection;
      // Health never loads the model.
      expect(await health()).toEqual({ model: 'blazeface-front-128.onnx', kind: null, loaded: false, device: 'cpu' });
      const body = new Uint8Array(plain);
      expect(
        (await fetch(`${fresh.baseUrl}/api/predict`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body })).status,
      ).toBe(200);
      expect(await health()).toEqual({ model: 'blazeface-front-128.onnx', kind: 'blazeface', loaded: true, device: 'cpu' });
    } finally {
      await fresh.close();
    }
  });
});
