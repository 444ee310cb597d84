import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage, ObjectEvent } from '../../src/tracking/object-event.js';
import { startUrl } from '../support/api.js';
import { camerasFile, decodesCleanly, probeDuration } from '../support/recordings.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));
const WIDTH = 1024;
const HEIGHT = 1024;

let door: RtspCamera;
let plain: RtspCamera;
let cameras: Awaited<ReturnType<typeof camerasFile>>;
let t: TestApp;
const messages: EventMessage[] = [];

beforeAll(async () => {
  [door, plain] = await Promise.all([
    // The face for 6 s, then nothing for 6 s: each appearance is an event with an end.
    startRtspCamera({ image: ASTRONAUT, width: WIDTH, height: HEIGHT, blinkSeconds: 6 }),
    startRtspCamera({ width: 640, height: 360 }),
  ]);
  cameras = await camerasFile({ door: { url: door.url, record: true, detect: true }, hall: { url: door.url, detect: true } });
  t = await startTestApp({
    CAMERAS_FILE: cameras.file,
    RECORD_SEGMENT_SECONDS: '2',
    EVENT_END_SECONDS: '1.5',
    EVENT_PRE_CAPTURE_SECONDS: '1',
    EVENT_POST_CAPTURE_SECONDS: '1',
  });
  t.services.bus.on('object.event', (m) => messages.push(m));
}, 60_000);
afterAll(async () => {
  await t?.close();
  await cameras?.remove();
  await Promise.all([door?.stop(), plain?.stop()]);
});

const ended = (camera: string) => messages.find((m) => m.type === 'end' && m.after.camera === camera)?.after;
const get = (url: string) => fetch(`${t.baseUrl}${url}`);

describe('event pictures and clips, from the camera’s one process', () => {
  let event: ObjectEvent;

  it('keeps the event’s best frame at the camera’s resolution; boxes, crop and h render it', async () => {
    event = await waitFor(() => ended('door'), { timeoutMs: 40_000, what: 'an event of the door camera to end' });
    expect(event).toMatchObject({ label: 'face', has_snapshot: true, has_clip: true });
    expect(event.snapshot!.frame_time).toBeGreaterThanOrEqual(event.start_time);

    const plainPicture = await get(`/api/events/${event.id}/snapshot.jpg`);
    expect(plainPicture.status).toBe(200);
    expect(plainPicture.headers.get('content-type')).toBe('image/jpeg');
    const full = Buffer.from(await plainPicture.arrayBuffer());
    expect(await sharp(full).metadata()).toMatchObject({ width: WIDTH, height: HEIGHT, format: 'jpeg' });

    // The box, drawn in green where the face is: a pixel on its top edge turns green.
    const boxed = Buffer.from(await (await get(`/api/events/${event.id}/snapshot.jpg?boxes=1`)).arrayBuffer());
    const { box } = event.snapshot!;
    const at = { x: Math.round((box.x + box.w / 2) * WIDTH), y: Math.round(box.y * HEIGHT) };
    const pixel = async (jpeg: Buffer) =>
      [...(await sharp(jpeg).extract({ left: at.x, top: at.y, width: 1, height: 1 }).raw().toBuffer())].slice(0, 3);
    const [r, g, b] = await pixel(boxed);
    expect(g).toBeGreaterThan(200);
    expect(r).toBeLessThan(80);
    expect(b).toBeLessThan(150);
    expect(await pixel(full)).not.toEqual([r, g, b]);

    const cropped = await sharp(Buffer.from(await (await get(`/api/events/${event.id}/snapshot.jpg?crop=1`)).arrayBuffer())).metadata();
    expect(cropped.width).toBeCloseTo(2 * box.w * WIDTH, -1);
    expect(cropped.height).toBeCloseTo(2 * box.h * HEIGHT, -1);
    const small = await sharp(Buffer.from(await (await get(`/api/events/${event.id}/snapshot.jpg?h=180`)).arrayBuffer())).metadata();
    expect(small).toMatchObject({ height: 180, width: 180 });

    expect((await get(`/api/events/${event.id}/snapshot.jpg?h=huge`)).status).toBe(400);
    expect((await get('/api/events/1.000000-abcdef/snapshot.jpg')).status).toBe(404);
  }, 60_000);

  it('serves the event’s clip from the recordings, pre-capture to post-capture, remuxed', async () => {
    // The face's second appearance: the first began with the stream, before anything was recorded to pre-capture.
    const event = await waitFor(() => messages.filter((m) => m.type === 'end' && m.after.camera === 'door')[1]?.after, {
      timeoutMs: 40_000,
      what: 'the second event of the door camera to end',
    });
    const end = event.end_time! * 1000 + 1000;
    // The segments that cover the post-capture are finished a segment later.
    await waitFor(
      async () => {
        const { segments } = (await (await get('/api/recordings?indicator_id=door')).json()) as { segments: Array<{ end: string }> };
        return segments.some((s) => Date.parse(s.end) >= end) || undefined;
      },
      { timeoutMs: 20_000, what: 'the recording to reach the post-capture' },
    );
    const response = await get(`/api/events/${event.id}/clip.mp4`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-event-clip-'));
    try {
      const file = path.join(dir, 'clip.mp4');
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      expect(await decodesCleanly(file)).toBe(true);
      const wanted = event.end_time! - event.start_time + 2;
      const duration = await probeDuration(file);
      // Remuxed: it starts on the keyframe at or before the pre-capture (1 s GOP).
      expect(duration).toBeGreaterThanOrEqual(wanted - 0.2);
      expect(duration).toBeLessThanOrEqual(wanted + 1.2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('says why an event of a camera that does not record has no clip', async () => {
    expect((await fetch(startUrl(t.baseUrl, { indicator_id: 'hall' }))).status).toBe(200);
    const hall = await waitFor(() => messages.find((m) => m.type === 'new' && m.after.camera === 'hall')?.after, {
      timeoutMs: 30_000,
      what: 'an event of the hall camera',
    });
    expect(hall.has_clip).toBe(false);
    const response = await get(`/api/events/${hall.id}/clip.mp4`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'no_recording', message: expect.stringMatching(/does not record/) });
  }, 40_000);

  it('gives a full-size picture of any running stream, with or without detection', async () => {
    const detecting = await get('/api/stream/snapshot?indicator_id=door&full=1');
    expect(detecting.status).toBe(200);
    expect(await sharp(Buffer.from(await detecting.arrayBuffer())).metadata()).toMatchObject({ width: WIDTH, height: HEIGHT });

    expect((await fetch(startUrl(t.baseUrl, { indicator_id: 'plain', rtsp_link: plain.url, detect: false }))).status).toBe(200);
    const started = performance.now();
    const picture = await get('/api/stream/snapshot?indicator_id=plain&full=1');
    const ms = performance.now() - started;
    expect(picture.status).toBe(200);
    expect(await sharp(Buffer.from(await picture.arrayBuffer())).metadata()).toMatchObject({ width: 640, height: 360, format: 'jpeg' });
    console.log(`full-size picture of a remuxed stream from its newest HLS segment: ${ms.toFixed(0)} ms`);
  }, 40_000);
});
