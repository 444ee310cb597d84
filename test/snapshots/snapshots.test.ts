import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camerasFile, clockStamps } from '../support/recordings.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { S3_CREDENTIALS, type S3Server, startS3Server } from '../support/s3-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const WIDTH = 704;
const HEIGHT = 396;
const INTERVAL_SECONDS = 2;

let camera: RtspCamera;
let s3: S3Server;
let cameras: Awaited<ReturnType<typeof camerasFile>>;
let t: TestApp;

beforeAll(async () => {
  [camera, s3] = await Promise.all([
    startRtspCamera({ pattern: 'clock', width: WIDTH, height: HEIGHT, fps: 25, keyintSeconds: 1 }),
    startS3Server(),
  ]);
  cameras = await camerasFile({ porch: { url: camera.url, snapshot_interval_seconds: INTERVAL_SECONDS } });
  t = await startTestApp({
    CAMERAS_FILE: cameras.file,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_PREFIX: 'site-a',
    S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
  });
}, 40_000);
afterAll(async () => {
  await t?.close();
  await cameras?.remove();
  await Promise.all([camera?.stop(), s3?.close()]);
});

type Snapshot = { name: string; time: string; size: number; upload: string; s3_key?: string };
const listing = async () =>
  (await (await fetch(`${t.baseUrl}/api/recordings?indicator_id=porch`)).json()) as {
    spans: unknown[];
    segments: unknown[];
    snapshots: Snapshot[];
  };
const fileOf = (name: string) => path.join(t.recordDir, 'porch', name);

async function imageSize(file: string): Promise<string> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
  return stdout.trim();
}

describe('snapshot_interval_seconds on a camera that records no video', () => {
  it('keeps a full-resolution JPEG of the live camera every interval, on the one RTSP session, and hands each to S3', async () => {
    const snapshots = await waitFor(
      async () => {
        const now = (await listing()).snapshots;
        return now.length >= 4 && now.every((s) => s.upload === 'uploaded') ? now : undefined;
      },
      { timeoutMs: 40_000, what: 'four snapshots, uploaded' },
    );
    const stream = t.services.manager.get('porch')!;
    expect(stream.alwaysOn).toBe(true);
    expect(camera.clients).toMatchObject({ active: 1, total: 1 });

    // Video is not recorded: only snapshots (and the index) in the camera's folder.
    const { segments, spans } = await listing();
    expect(segments).toEqual([]);
    expect(spans).toEqual([]);
    const day = snapshots[0]!.name.slice(0, 10);
    expect((await readdir(path.join(t.recordDir, 'porch', day))).every((file) => /^\d{2}-\d{2}-\d{2}\.jpg$/.test(file))).toBe(true);

    const times = snapshots.map((s) => Date.parse(s.time));
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual((INTERVAL_SECONDS - 0.5) * 1000);
      expect(gap).toBeLessThanOrEqual((INTERVAL_SECONDS + 1.5) * 1000);
    }
    for (const snapshot of snapshots) {
      expect(snapshot.name).toMatch(/^\d{4}-\d{2}-\d{2}\/\d{2}-\d{2}-\d{2}\.jpg$/);
      const file = fileOf(snapshot.name);
      expect(await imageSize(file)).toBe(`${WIDTH},${HEIGHT}`);
      // The picture is the camera's at that time: its clock reads at most half a second earlier.
      const [stamp] = await clockStamps(file, WIDTH);
      const late = (Date.parse(snapshot.time) % 2 ** 32) - stamp!;
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(500);
    }

    // In S3 under <prefix>/<id>/YYYY/MM/DD/HH-MM-SS.jpg, byte for byte, marked as snapshots.
    const objects = await s3.objects();
    for (const snapshot of snapshots) {
      const key = `site-a/porch/${snapshot.name.slice(0, 10).replaceAll('-', '/')}/${snapshot.name.slice(11)}`;
      expect(snapshot.s3_key).toBe(key);
      const object = objects.get(key);
      expect(object?.body.equals(await readFile(fileOf(snapshot.name)))).toBe(true);
      expect(object?.metadata).toMatchObject({ camera: 'porch', kind: 'snapshot', duration: '0' });
    }
  }, 60_000);

  it('serves the snapshot of a time, the latest by default, and 404 for a camera without any', async () => {
    const { snapshots } = await listing();
    const latest = await fetch(`${t.baseUrl}/api/recordings/snapshot?indicator_id=porch`);
    expect(latest.status).toBe(200);
    expect(latest.headers.get('content-type')).toBe('image/jpeg');
    const newest = (await listing()).snapshots.at(-1)!;
    expect(latest.headers.get('x-snapshot-time')).toBe(newest.time);
    expect(Buffer.from(await latest.arrayBuffer()).equals(await readFile(fileOf(newest.name)))).toBe(true);

    const second = snapshots[1]!;
    const at = await fetch(`${t.baseUrl}/api/recordings/snapshot?indicator_id=porch&at=${Date.parse(second.time) + 500}`);
    expect(at.headers.get('x-snapshot-time')).toBe(second.time);
    await at.body?.cancel();

    const none = await fetch(`${t.baseUrl}/api/recordings/snapshot?indicator_id=nobody`);
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ error: 'no_recording', message: 'no snapshot is kept for nobody' });
    const bad = await fetch(`${t.baseUrl}/api/recordings/snapshot?indicator_id=porch&at=soon`);
    expect(bad.status).toBe(400);
  });
});
