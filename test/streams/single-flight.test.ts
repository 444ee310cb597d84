import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let camera: RtspCamera;
let t: TestApp;

beforeAll(async () => {
  camera = await startRtspCamera();
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
  await camera?.stop();
});
afterEach(async () => {
  await t.services.manager.closeAll();
  await camera.waitForClients((c) => c.active === 0);
});

describe('single flight', () => {
  it.each([10, 50])('%i concurrent starts of one id give one FFmpeg and one camera session', async (callers) => {
    const before = camera.clients.total;
    const url = startUrl(t.baseUrl, { indicator_id: 'shared', rtsp_link: camera.url });
    const responses = await Promise.all(Array.from({ length: callers }, () => fetch(url)));
    const bodies = await Promise.all(responses.map((response) => response.json()));

    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(new Set(bodies.map((body) => body.stream_path))).toEqual(new Set(['/streams/shared/stream.m3u8']));
    expect(bodies.filter((body) => body.status === 'started')).toHaveLength(1);
    expect(bodies.filter((body) => body.status === 'running')).toHaveLength(callers - 1);

    expect(t.services.manager.list()).toHaveLength(1);
    // The camera saw exactly one RTSP session: one FFmpeg, no probe connection.
    expect(camera.clients.total - before).toBe(1);
    expect(camera.clients.active).toBe(1);
    const ffmpegChildren = await childFfmpegCount();
    expect(ffmpegChildren).toBe(1);
  });
});

/** FFmpeg processes whose parent is this test process (the in-process daemon). */
async function childFfmpegCount(): Promise<number> {
  const { readdir, readFile } = await import('node:fs/promises');
  let count = 0;
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (stat.includes('(ffmpeg)') && Number(afterName[1]) === process.pid && afterName[0] !== 'Z') count += 1;
  }
  return count;
}
