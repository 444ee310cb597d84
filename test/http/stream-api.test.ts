import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { completeSegments } from '../support/hls.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const run = promisify(execFile);

let camera: RtspCamera;
let t: TestApp;

beforeAll(async () => {
  camera = await startRtspCamera();
  t = await startTestApp({ CORS_ORIGINS: 'https://app.example' });
});
afterAll(async () => {
  await t?.close();
  await camera?.stop();
});
afterEach(async () => {
  await t.services.manager.closeAll();
});

const get = (path: string) => fetch(`${t.baseUrl}${path}`);
const post = (path: string, body: unknown) =>
  fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const start = (id: string, url = camera.url, more: { wait?: boolean } = {}) =>
  fetch(startUrl(t.baseUrl, { indicator_id: id, rtsp_link: url, ...more }));

describe('start', () => {
  it('answers once the playlist is playable (low latency: its first part is listed), with the seed fields', async () => {
    const response = await start('cam1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ indicator_id: 'cam1', stream_path: '/streams/cam1/stream.m3u8', status: 'started' });

    const playlist = await get('/streams/cam1/stream.m3u8');
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers.get('cache-control')).toBe('no-cache');
    const text = await playlist.text();
    const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];
    const part = /#EXT-X-PART:DURATION=[\d.]+,URI="([^"]+)",INDEPENDENT=YES/.exec(text)?.[1];
    expect(init).toBeDefined();
    expect(part).toBeDefined();

    for (const file of [init, part]) {
      const media = await get(`/streams/cam1/${file}`);
      expect(media.status).toBe(200);
      expect(media.headers.get('content-type')).toBe('video/mp4');
      expect(media.headers.get('cache-control')).toBe('public, max-age=3600, immutable');
      expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(500);
    }
  });

  it('plays in players that know nothing of low latency: ffprobe reads the same playlist as plain fMP4 HLS', async () => {
    await start('compat');
    // Such players need a whole segment; a start answers with the first part, about a second earlier.
    await waitFor(async () => (await completeSegments(t.baseUrl, 'compat')).length > 0, { what: 'a whole segment' });
    const { stdout } = await run(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', `${t.baseUrl}/streams/compat/stream.m3u8`],
      { timeout: 20_000 },
    );
    expect(JSON.parse(stdout).streams).toEqual([{ codec_name: 'h264', width: 640, height: 360 }]);
  });

  it('with HLS_VARIANT=mpegts, answers once FFmpeg has written a whole MPEG-TS segment', async () => {
    const mpegts = await startTestApp({ HLS_VARIANT: 'mpegts' });
    try {
      const response = await fetch(startUrl(mpegts.baseUrl, { indicator_id: 'ts', rtsp_link: camera.url }));
      expect(response.status).toBe(200);
      const text = await (await fetch(`${mpegts.baseUrl}/streams/ts/stream.m3u8`)).text();
      const segment = text.split('\n').find((line) => line.endsWith('.ts'));
      expect(segment).toBeDefined();
      const media = await fetch(`${mpegts.baseUrl}/streams/ts/${segment}`);
      expect(media.status).toBe(200);
      expect(media.headers.get('content-type')).toBe('video/mp2t');
      expect(media.headers.get('cache-control')).toBe('public, max-age=3600, immutable');
      expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    } finally {
      await mpegts.close();
    }
  });

  it('answers "running" to a second start and keeps the same process', async () => {
    await start('cam1');
    const pid = t.services.manager.get('cam1')?.pid;
    const second = await post('/api/stream/start', { indicator_id: 'cam1', rtsp_link: camera.url });
    expect(await second.json()).toMatchObject({ status: 'running', stream_path: '/streams/cam1/stream.m3u8' });
    expect(t.services.manager.get('cam1')?.pid).toBe(pid);
  });

  it('accepts form-encoded bodies, as PHP backends often send', async () => {
    const response = await fetch(`${t.baseUrl}/api/stream/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ indicator_id: 'form1', rtsp_link: camera.url }).toString(),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'started' });
  });

  it('with wait=false answers at once with "starting"', async () => {
    const response = await start('quick', camera.url, { wait: false });
    expect(await response.json()).toEqual({ indicator_id: 'quick', stream_path: '/streams/quick/stream.m3u8', status: 'starting' });
    await waitFor(async () => (await (await get('/api/stream/status?indicator_id=quick')).json()).state === 'running', {
      what: 'quick to run',
    });
  });

  it('refuses to switch a running id to another source (409)', async () => {
    await start('cam1');
    const response = await start('cam1', `${camera.url}?other=1`);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'source_conflict', message: expect.stringContaining('different source') });
  });

  it('joins a running stream by its id alone, without its URL', async () => {
    await start('cam1');
    const pid = t.services.manager.get('cam1')!.pid;
    const response = await get('/api/stream/start?indicator_id=cam1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ indicator_id: 'cam1', stream_path: '/streams/cam1/stream.m3u8', status: 'running' });
    expect(t.services.manager.get('cam1')!.pid).toBe(pid);
  });

  it('needs an rtsp_link for an unknown id', async () => {
    const response = await get('/api/stream/start?indicator_id=nolink');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('rtsp_link is required') });
  });
});

describe('status, list, stop', () => {
  it('reports state, process and source', async () => {
    await start('cam1');
    const status = await (await get('/api/stream/status?indicator_id=cam1')).json();
    expect(status).toMatchObject({
      indicator_id: 'cam1',
      state: 'running',
      stream_path: '/streams/cam1/stream.m3u8',
      pid: expect.any(Number),
      restarts: 0,
      mode: 'copy',
      source: { video_codec: 'h264', width: 640, height: 360, fps: 25, audio_codec: null },
      last_error: null,
    });
    expect(Date.parse(status.started_at)).not.toBeNaN();
    expect(Date.parse(status.last_access)).not.toBeNaN();

    const list = await (await get('/api/streams')).json();
    expect(list.active_streams).toBe(1);
    expect(list.streams).toEqual([expect.objectContaining({ indicator_id: 'cam1', state: 'running' })]);
  });

  it('stops the process and removes the folder', async () => {
    await start('cam1');
    const pid = t.services.manager.get('cam1')!.pid!;
    expect(await t.streamFolders()).toEqual(['cam1']);
    const response = await post('/api/stream/stop', { indicator_id: 'cam1' });
    expect(await response.json()).toEqual({ indicator_id: 'cam1', status: 'stopped' });
    expect(isAlive(pid)).toBe(false);
    expect(await t.streamFolders()).toEqual([]);
    expect((await get('/streams/cam1/stream.m3u8')).status).toBe(404);
  });

  it('can start an id again right after stopping it', async () => {
    await start('cam1');
    const [, restarted] = await Promise.all([post('/api/stream/stop', { indicator_id: 'cam1' }), start('cam1')]);
    expect(await restarted.json()).toMatchObject({ status: 'started' });
    expect((await get('/streams/cam1/stream.m3u8')).status).toBe(200);
  });

  it('answers 404 for unknown ids', async () => {
    for (const response of [
      await post('/api/stream/stop', { indicator_id: 'ghost' }),
      await get('/api/stream/status?indicator_id=ghost'),
    ]) {
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'stream_not_found' });
    }
  });
});

describe('health and HTTP details', () => {
  it('reports streams, version, uptime and FFmpeg', async () => {
    await start('cam1');
    const health = await (await get('/api/health')).json();
    expect(health).toMatchObject({
      status: 'healthy',
      active_streams: 1,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      uptime_seconds: expect.any(Number),
      ffmpeg: { found: true, version: expect.any(String) },
    });
  });

  it('logs API requests, never playlists; with LOG_REQUESTS=false none at all', async () => {
    const requestLogs = (logs: string[]) => logs.filter((line) => /"msg":"(incoming request|request completed)"/.test(line)).join('\n');
    await get('/api/streams');
    await get('/streams/none/stream.m3u8');
    expect(requestLogs(t.logs)).toContain('/api/streams');
    expect(requestLogs(t.logs)).not.toContain('/streams/none/');
    const quiet = await startTestApp({ LOG_REQUESTS: 'false' });
    try {
      expect((await fetch(`${quiet.baseUrl}/api/streams`)).status).toBe(200);
      expect(requestLogs(quiet.logs)).toBe('');
    } finally {
      await quiet.close();
    }
  });

  it('sends CORS headers for the configured origin only', async () => {
    const allowed = await fetch(`${t.baseUrl}/api/health`, { headers: { origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${t.baseUrl}/api/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers unknown routes and malformed JSON with JSON errors', async () => {
    const missing = await get('/api/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
    const malformed = await fetch(`${t.baseUrl}/api/stream/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"indicator_id": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });

  it('serves nothing outside stream folders', async () => {
    for (const path of [
      '/streams/../package.json',
      '/streams/%2e%2e/package.json',
      '/streams/cam1/../../etc/passwd',
      '/streams/.run/x.json',
    ]) {
      expect((await get(path)).status).toBe(404);
    }
  });
});

describe('bad input changes nothing', () => {
  it.each([
    ['/api/stream/start?indicator_id=../../etc&rtsp_link=rtsp%3A%2F%2Fh%2Fx', 'indicator_id'],
    ['/api/stream/start?indicator_id=a&rtsp_link=file%3A%2F%2F%2Fetc%2Fpasswd', 'scheme'],
    ['/api/stream/start?indicator_id=a&rtsp_link=concat%3Artsp%3A%2F%2Fh%7Cfile%3A%2Fetc%2Fpasswd', 'scheme'],
    ['/api/stream/start?indicator_id=a&rtsp_link=rtsp%3A%2F%2Fh%2Fx%0A-f%20lavfi', 'control'],
    [`/api/stream/start?indicator_id=a&rtsp_link=rtsp%3A%2F%2Fh%2F${'x'.repeat(3000)}`, 'longer than'],
    ['/api/stream/start?indicator_id=a&rtsp_link=rtsp%3A%2F%2Fh%2Fx&wait=maybe', 'true or false'],
  ])('%s → 400', async (path, message) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error).toBe('invalid_request');
    expect(body.message).toContain(message);
    expect(t.services.manager.list()).toEqual([]);
    expect(await t.streamFolders()).toEqual([]);
  });

  it('never shows camera credentials in responses, status or logs', async () => {
    const secretCamera = await startRtspCamera({ user: 'admin', password: 's3cr3t-pw' });
    try {
      const withCreds = secretCamera.url.replace('rtsp://', 'rtsp://admin:s3cr3t-pw@');
      const wrongCreds = secretCamera.url.replace('rtsp://', 'rtsp://admin:wr0ng-pw@');
      const ok = await start('secret', withCreds);
      expect(ok.status).toBe(200);
      const denied = await start('denied', wrongCreds);
      expect(denied.status).toBe(502);
      const bodies = [
        await ok.text(),
        await denied.text(),
        await (await get('/api/streams')).text(),
        await (await get('/api/stream/status?indicator_id=secret')).text(),
      ];
      for (const text of [...bodies, ...t.logs]) {
        expect(text).not.toContain('s3cr3t-pw');
        expect(text).not.toContain('wr0ng-pw');
      }
      // The request log still shows which camera was asked for, minus the secret.
      expect(t.logs.some((line) => line.includes('rtsp://***@127.0.0.1'))).toBe(true);
    } finally {
      await secretCamera.stop();
    }
  });
});
