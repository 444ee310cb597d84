import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { completeSegments, segmentsAdvance } from '../support/hls.js';
import { type HttpVideoServer, startHttpVideoServer } from '../support/http-video-server.js';
import { makeTestVideo } from '../support/media-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const ASTRONAUT = fileURLToPath(new URL('../fixtures/media/astronaut.png', import.meta.url));

let dir: string;
let web: HttpVideoServer;
let elsewhere: HttpVideoServer;
let t: TestApp;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sm-sources-'));
  const media = path.join(dir, 'media');
  await run('mkdir', ['-p', media]);
  await Promise.all([
    makeTestVideo(path.join(media, 'clip.mp4'), { seconds: 3 }),
    makeTestVideo(path.join(media, 'face.mp4'), { seconds: 3, image: ASTRONAUT, width: 512, height: 512 }),
  ]);
  elsewhere = await startHttpVideoServer({ root: media, host: '127.0.0.2' });
  web = await startHttpVideoServer({ root: media, redirects: { '/moved.mp4': '/clip.mp4', '/away.mp4': `${elsewhere.baseUrl}/clip.mp4` } });
  const cameras = path.join(dir, 'cameras.yml');
  await writeFile(
    cameras,
    [
      'cameras:',
      '  factory: { url: "file:clip.mp4" }',
      '  facefile: { url: "file:face.mp4", detect: true }',
      `  web: { url: "${web.baseUrl}/moved.mp4" }`,
      `  away: { url: "${web.baseUrl}/away.mp4" }`,
      '',
    ].join('\n'),
  );
  t = await startTestApp({
    MEDIA_DIR: media,
    CAMERAS_FILE: cameras,
    ALLOWED_SOURCE_HOSTS: '127.0.0.1',
    HLS_VARIANT: 'mpegts',
    DETECT_FPS: '4',
  });
}, 90_000);
afterAll(async () => {
  await t?.close();
  await Promise.all([web?.stop(), elsewhere?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const start = (params: { indicator_id: string; rtsp_link?: string }) => fetch(startUrl(t.baseUrl, params));

/** What ffprobe reads in a segment the daemon serves. */
async function probeSegment(id: string): Promise<{ codec_name: string; width: number; height: number }> {
  const [uri] = await completeSegments(t.baseUrl, id);
  const bytes = Buffer.from(await (await fetch(new URL(uri!, `${t.baseUrl}/streams/${id}/`))).arrayBuffer());
  const file = path.join(dir, `${id}.ts`);
  await writeFile(file, bytes);
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height',
    '-of',
    'json',
    file,
  ]);
  return JSON.parse(stdout).streams[0];
}

describe('file: and http sources, started by id from CAMERAS_FILE', () => {
  it('streams a file from MEDIA_DIR, remuxed (H.264 stays H.264)', async () => {
    const response = await start({ indicator_id: 'factory' });
    expect(response.status).toBe(200);
    await segmentsAdvance(t.baseUrl, 'factory', 2, 15_000);
    expect(await probeSegment('factory')).toEqual({ codec_name: 'h264', width: 320, height: 240 });
    expect(t.services.manager.get('factory')?.plan.video).toBe('copy');
  });

  it('streams an MP4 over HTTP, after following its redirect on the allowed host', async () => {
    const response = await start({ indicator_id: 'web' });
    expect(response.status).toBe(200);
    await segmentsAdvance(t.baseUrl, 'web', 2, 15_000);
    expect(await probeSegment('web')).toEqual({ codec_name: 'h264', width: 320, height: 240 });
    // FFmpeg was handed where the redirect led: it asked for /clip.mp4 itself, in byte ranges.
    expect(web.requests).toContain('/clip.mp4');
    expect(t.services.manager.get('web')?.plan.video).toBe('copy');
  });

  it('refuses an HTTP source that redirects to a host outside ALLOWED_SOURCE_HOSTS: 403, nothing spawned', async () => {
    const response = await start({ indicator_id: 'away' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      error: 'source_not_allowed',
      message: expect.stringMatching(/redirects to a host outside/),
    });
    expect(elsewhere.requests).toEqual([]);
    expect(t.services.manager.get('away')).toBeUndefined();
    expect(await t.streamFolders()).not.toContain('away');
  });

  it('detects on a file source as on a camera: detections in the status, a snapshot with boxes', async () => {
    expect((await start({ indicator_id: 'facefile' })).status).toBe(200);
    const latest = await waitFor(
      async () => {
        const status = await (await fetch(`${t.baseUrl}/api/stream/status?indicator_id=facefile`)).json();
        return status.detection?.latest?.detections?.length > 0 ? status.detection.latest : undefined;
      },
      { timeoutMs: 20_000, what: 'a detection on the file source' },
    );
    expect(latest.detections.map((d: { label: string }) => d.label)).toContain('face');
    const snapshot = await waitFor(
      async () => {
        const answer = await fetch(`${t.baseUrl}/api/stream/snapshot?indicator_id=facefile&boxes=1`);
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 10_000, what: 'a snapshot' },
    );
    expect(snapshot.headers.get('content-type')).toContain('image/jpeg');
  });

  it.each(['file:clip.mp4', 'http://127.0.0.1:9/clip.mp4', 'device:0'])(
    'keeps rtsp_link=%s out while ALLOW_API_FILE_SOURCES is off: 400, nothing spawned',
    async (link) => {
      const response = await start({ indicator_id: 'sneaky', rtsp_link: link });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: 'invalid_request',
        message: 'rtsp_link must use one of these schemes: rtsp, rtsps',
      });
      expect(await t.streamFolders()).not.toContain('sneaky');
    },
  );
});

describe('rtsp_link with ALLOW_API_FILE_SOURCES=true', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({
      MEDIA_DIR: path.join(dir, 'media'),
      ALLOW_API_FILE_SOURCES: 'true',
      ALLOWED_SOURCE_HOSTS: '127.0.0.1',
      HLS_VARIANT: 'mpegts',
    });
  });
  afterAll(async () => {
    await api?.close();
  });
  const apiStart = (id: string, link: string) => fetch(startUrl(api.baseUrl, { indicator_id: id, rtsp_link: link }));

  it('plays a file of MEDIA_DIR named by the API', async () => {
    expect((await apiStart('apifile', 'file:clip.mp4')).status).toBe(200);
    await segmentsAdvance(api.baseUrl, 'apifile', 1, 15_000);
  });

  it.each([
    ['a climb out of MEDIA_DIR', 'file:../cameras.yml', 403, 'source_not_allowed', /lies outside/],
    ['an absolute path elsewhere', 'file:/etc/passwd', 403, 'source_not_allowed', /lies outside/],
    ['a host outside the list', 'http://127.0.0.2:9/clip.mp4', 403, 'source_not_allowed', /outside the allowed networks/],
    ['a redirect off the list', 'http://127.0.0.1:PORT/away.mp4', 403, 'source_not_allowed', /redirects to a host outside/],
    ['a local device, never from the API', 'device:0', 400, 'invalid_request', /schemes: rtsp, rtsps, file, http, https$/],
  ])('refuses %s, spawning nothing', async (_name, link, status, error, message) => {
    const response = await apiStart('refused', link.replace('PORT', new URL(web.baseUrl).port));
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error, message: expect.stringMatching(message) });
    expect(api.services.manager.get('refused')).toBeUndefined();
    expect(await api.streamFolders()).not.toContain('refused');
  });
});
