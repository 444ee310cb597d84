import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../src/detection/detection-event.js';
import { startUrl } from '../support/api.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { SseClient } from '../support/sse-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));
// Where the face is in astronaut.png (512×512): about x 170–275, y 70–185 px.
const FACE_CENTRE = { x: 0.44, y: 0.25 };

let faceCamera: RtspCamera;
let plainCamera: RtspCamera;
let t: TestApp;

beforeAll(async () => {
  [faceCamera, plainCamera] = await Promise.all([startRtspCamera({ image: ASTRONAUT, width: 512, height: 512 }), startRtspCamera()]);
  t = await startTestApp({ DETECT_ENABLED: 'true', DETECT_FPS: '4', SSE_HEARTBEAT_SECONDS: '1' });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await Promise.all([faceCamera?.stop(), plainCamera?.stop()]);
});

const start = (id: string, camera: RtspCamera, more: { detect?: boolean } = {}) =>
  fetch(startUrl(t.baseUrl, { indicator_id: id, rtsp_link: camera.url, ...more }));

function expectFaceBox(detections: DetectionEvent['detections']) {
  const faces = detections.filter((d) => d.label === 'face');
  expect(faces).toHaveLength(1);
  const { box, score } = faces[0]!;
  expect(score).toBeGreaterThan(0.7);
  expect(box.x + box.w / 2).toBeCloseTo(FACE_CENTRE.x, 1);
  expect(box.y + box.h / 2).toBeCloseTo(FACE_CENTRE.y, 1);
  expect(box.w).toBeGreaterThan(0.12);
  expect(box.w).toBeLessThan(0.28);
}

describe('detection on a live camera', () => {
  it('sends the face of a real photograph streamed over RTSP as SSE events, from one RTSP session', async () => {
    const events = await SseClient.open(`${t.baseUrl}/api/stream/events?indicator_id=face`);
    try {
      expect(events.status).toBe(200);
      expect(events.contentType).toContain('text/event-stream');
      const sessionsBefore = faceCamera.clients.total;
      expect((await start('face', faceCamera)).status).toBe(200);

      const [first] = await waitFor(() => (events.data<DetectionEvent>().length >= 2 ? events.data<DetectionEvent>() : undefined), {
        timeoutMs: 15_000,
        what: 'face events',
      });
      expect(first).toMatchObject({
        indicator_id: 'face',
        ts: expect.any(String),
        frame_ts: expect.any(String),
        inference_ms: expect.any(Number),
      });
      expectFaceBox(first!.detections);
      // HLS and detection share one camera connection.
      expect(faceCamera.clients.total - sessionsBefore).toBe(1);
      expect(faceCamera.clients.active).toBe(1);
      // Heartbeats keep idle proxies from closing the stream.
      await waitFor(() => events.comments.length > 0, { what: 'a heartbeat comment' });
    } finally {
      await events.close();
    }

    const status = await (await fetch(`${t.baseUrl}/api/stream/status?indicator_id=face`)).json();
    expect(status.detection).toMatchObject({
      frames_in: expect.any(Number),
      inferred: expect.any(Number),
      dropped: expect.any(Number),
      mean_inference_ms: expect.any(Number),
    });
    expect(status.detection.inferred).toBeGreaterThanOrEqual(2);
    expectFaceBox(status.detection.latest.detections);
  });

  it('finds no face where there is none', async () => {
    const events = await SseClient.open(`${t.baseUrl}/api/stream/events?indicator_id=plain`);
    try {
      expect((await start('plain', plainCamera)).status).toBe(200);
      await waitFor(() => events.data().length >= 4, { timeoutMs: 15_000, what: 'events of the plain camera' });
      expect(events.data<DetectionEvent>().flatMap((e) => e.detections)).toEqual([]);
      expect(events.data<DetectionEvent>().every((e) => e.indicator_id === 'plain')).toBe(true);
    } finally {
      await events.close();
    }
  });

  it('serves the newest analysed frame as JPEG, with boxes on request', async () => {
    await start('face', faceCamera);
    await waitFor(async () => (await fetch(`${t.baseUrl}/api/stream/snapshot?indicator_id=face`)).status === 200, { what: 'a snapshot' });
    const plain = Buffer.from(await (await fetch(`${t.baseUrl}/api/stream/snapshot?indicator_id=face`)).arrayBuffer());
    const boxed = await fetch(`${t.baseUrl}/api/stream/snapshot?indicator_id=face&boxes=1`);
    expect(boxed.headers.get('content-type')).toBe('image/jpeg');
    const boxedBytes = Buffer.from(await boxed.arrayBuffer());
    for (const jpeg of [plain, boxedBytes]) {
      expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 128, height: 128 });
    }
    // Boxes are drawn in green: the boxed picture has far more strongly green pixels.
    const greenness = async (jpeg: Buffer) => {
      const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      let count = 0;
      for (let i = 0; i < data.length; i += 3) if (data[i + 1]! > 180 && data[i]! < 90 && data[i + 2]! < 140) count += 1;
      return count;
    };
    expect(await greenness(boxedBytes)).toBeGreaterThan((await greenness(plain)) + 50);
  });

  it('leaves detection off for a stream started with detect=false', async () => {
    expect((await start('nodetect', plainCamera, { detect: false })).status).toBe(200);
    const status = await (await fetch(`${t.baseUrl}/api/stream/status?indicator_id=nodetect`)).json();
    expect(status.detection).toBeNull();
    const snapshot = await fetch(`${t.baseUrl}/api/stream/snapshot?indicator_id=nodetect`);
    expect(snapshot.status).toBe(409);
    expect(await snapshot.json()).toMatchObject({ error: 'detection_off' });
    const conflict = await start('nodetect', plainCamera, { detect: true });
    expect(conflict.status).toBe(409);
  });
});

describe('POST /api/predict', () => {
  const predict = (body: BodyInit, contentType?: string) =>
    fetch(`${t.baseUrl}/api/predict`, { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });

  it('finds the face in a PNG and in a JPEG', async () => {
    const png = await readFile(ASTRONAUT);
    const jpeg = await sharp(png).jpeg().toBuffer();
    for (const [body, type] of [
      [png, 'image/png'],
      [jpeg, 'image/jpeg'],
      [jpeg, 'application/octet-stream'],
    ] as const) {
      const response = await predict(body, type);
      expect(response.status).toBe(200);
      const result = await response.json();
      expect(result.model).toEqual({ kind: 'blazeface', width: 128, height: 128 });
      expectFaceBox(result.detections);
    }
  });

  it('takes multipart uploads and undoes the letterbox of a wide picture', async () => {
    // The photo on a 640×512 canvas, 128 px of it on the left: the face centre moves to
    // x = (128 + 0.44·512)/640 ≈ 0.552 and stays at y = 0.25 (without undoing the letterbox
    // the model's own coordinates would say y ≈ 0.30).
    const wide = await sharp(await readFile(ASTRONAUT))
      .extend({ left: 128, background: { r: 20, g: 20, b: 20 } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('image', new Blob([wide], { type: 'image/png' }), 'wide.png');
    const result = await (await predict(form)).json();
    const face = result.detections.find((d: DetectionEvent['detections'][number]) => d.label === 'face');
    expect(Math.abs(face.box.x + face.box.w / 2 - 0.552)).toBeLessThan(0.025);
    expect(Math.abs(face.box.y + face.box.h / 2 - FACE_CENTRE.y)).toBeLessThan(0.025);
  });

  it('answers 415 for a body that is not an image type and 400 for one that is not an image', async () => {
    const text = await predict('hello', 'text/plain');
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ error: 'unsupported_media_type', message: expect.any(String) });
    const garbage = await predict(Buffer.from('definitely not a png'), 'image/png');
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ error: 'invalid_image', message: expect.stringContaining('not a readable image') });
    const empty = await predict(Buffer.alloc(0), 'image/jpeg');
    expect(empty.status).toBe(400);
  });
});

describe('event streams', () => {
  it('answer with their headers at once, not at the first event or heartbeat', async () => {
    const quiet = await startTestApp({ DETECT_ENABLED: 'true', SSE_HEARTBEAT_SECONDS: '3600' });
    const opened: SseClient[] = [];
    try {
      for (const url of ['/api/stream/events', '/api/events/stream']) {
        const count = opened.length;
        void SseClient.open(`${quiet.baseUrl}${url}`).then((client) => opened.push(client));
        const client = await waitFor(() => opened.length > count && opened.at(-1), { timeoutMs: 5_000, what: `the headers of ${url}` });
        expect(client.status).toBe(200);
        expect(client.contentType).toMatch(/^text\/event-stream/);
        expect(client.comments).toEqual([]);
      }
    } finally {
      for (const client of opened) await client.close();
      await quiet.close();
    }
  });
});
