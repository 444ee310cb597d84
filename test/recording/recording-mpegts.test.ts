import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camerasFile, decodesCleanly, probeDuration } from '../support/recordings.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

let camera: RtspCamera;
let cameras: Awaited<ReturnType<typeof camerasFile>>;
let t: TestApp;

beforeAll(async () => {
  camera = await startRtspCamera({ width: 320, height: 180, fps: 25, keyintSeconds: 1 });
  cameras = await camerasFile({ yard: { url: camera.url, record: true } });
  t = await startTestApp({ CAMERAS_FILE: cameras.file, RECORD_SEGMENT_SECONDS: '2', HLS_VARIANT: 'mpegts' });
}, 30_000);
afterAll(async () => {
  await t?.close();
  await cameras?.remove();
  await camera?.stop();
});

describe('a recorded camera with HLS_VARIANT=mpegts', () => {
  it('has its FFmpeg mux the recording as an output of its own (there are no fMP4 fragments to take it from)', async () => {
    const segments = await waitFor(
      () => {
        const listed = t.services.archive.catalogue.segments('yard');
        return listed.length >= 2 ? listed : undefined;
      },
      { timeoutMs: 30_000, what: 'two finished segments' },
    );
    for (const segment of segments) {
      const file = t.services.archive.catalogue.pathOf('yard', segment);
      expect(await decodesCleanly(file)).toBe(true);
      expect(Math.abs((await probeDuration(file)) - segment.duration)).toBeLessThan(0.1);
      expect(Math.abs(segment.duration - 2)).toBeLessThanOrEqual(1);
    }
    const pid = t.services.manager.get('yard')!.pid!;
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    expect(args).toContain('segment');
    expect(args.some((arg) => arg.endsWith(path.join('yard', '%Y-%m-%d/%H-%M-%S.mp4')))).toBe(true);
    expect(camera.clients.active).toBe(1);
  }, 45_000);
});
