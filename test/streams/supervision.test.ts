import { afterEach, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { fakeFfmpeg } from '../support/fake-ffmpeg.js';
import { segmentsAdvance } from '../support/hls.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(env: Record<string, string> = {}, cameraOptions = {}) {
  const camera = await startRtspCamera(cameraOptions);
  cleanups.push(() => camera.stop());
  const t = await startTestApp({ RESTART_BACKOFF_INITIAL_SECONDS: '0.2', RESTART_BACKOFF_MAX_SECONDS: '1', ...env });
  cleanups.push(() => t.close());
  return { camera, t };
}

async function start(t: TestApp, camera: RtspCamera, id = 'cam') {
  const response = await fetch(startUrl(t.baseUrl, { indicator_id: id, rtsp_link: camera.url }));
  expect(response.status).toBe(200);
  return t.services.manager.get(id)!;
}

describe('supervision', () => {
  it('reconnects when the camera drops and comes back, and the stream resumes', async () => {
    const { camera, t } = await setUp();
    const stream = await start(t, camera);
    const port = camera.port;

    await camera.stop();
    await waitFor(() => stream.state === 'restarting', { what: 'restarting after the camera dropped' });
    expect(stream.lastError?.cause).toEqual(expect.any(String));
    // Still restarting (not failed, not gone) once a new attempt has found the camera away.
    await waitFor(() => stream.lastError?.cause === 'source_connection_refused', { what: 'an attempt to find the camera away' });
    expect(stream.state).toBe('restarting');

    const back = await startRtspCamera({ port });
    cleanups.push(() => back.stop());
    await waitFor(() => stream.state === 'running', { timeoutMs: 15_000, what: 'running again' });
    await segmentsAdvance(t.baseUrl, 'cam', 2);
    expect(stream.restarts).toBeGreaterThanOrEqual(1);

    const playlist = await (await fetch(`${t.baseUrl}/streams/cam/stream.m3u8`)).text();
    expect(playlist).toContain('#EXT-X-DISCONTINUITY');
    expect(playlist).not.toContain('#EXT-X-ENDLIST');
  });

  it('restarts FFmpeg after it crashes', async () => {
    const { camera, t } = await setUp();
    const stream = await start(t, camera);
    const firstPid = stream.pid!;
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => stream.state === 'running' && stream.pid !== undefined && stream.pid !== firstPid, {
      what: 'a new FFmpeg',
    });
    expect(stream.restarts).toBe(1);
    expect(stream.lastError).toMatchObject({ cause: expect.any(String) });
    await segmentsAdvance(t.baseUrl, 'cam', 2);
  });

  it('restarts FFmpeg when the playlist stops advancing (watchdog)', async () => {
    const { camera, t } = await setUp({ WATCHDOG_TIMEOUT_SECONDS: '3', STOP_GRACE_SECONDS: '0.5' });
    const stream = await start(t, camera);
    const frozenPid = stream.pid!;
    process.kill(frozenPid, 'SIGSTOP'); // alive, but writes nothing: only the watchdog can tell
    cleanups.push(async () => {
      if (isAlive(frozenPid)) process.kill(frozenPid, 'SIGKILL');
    });
    await waitFor(() => stream.pid !== undefined && stream.pid !== frozenPid && stream.state === 'running', {
      timeoutMs: 15_000,
      what: 'the watchdog to replace the frozen FFmpeg',
    });
    expect(isAlive(frozenPid)).toBe(false);
    expect(stream.lastError?.message).toContain('no new segment for 3 s');
    await segmentsAdvance(t.baseUrl, 'cam', 2);
  });

  it('keeps draining stderr: a child flooding it never stalls the stream', async () => {
    const flood = await fakeFfmpeg('flood');
    cleanups.push(() => flood.remove());
    const { camera, t } = await setUp({ FFMPEG_PATH: flood.path, LOG_LEVEL: 'info' });
    const stream = await start(t, camera);
    // ~1 MB/s of stderr for six segments: an undrained 64 KiB pipe would block within a tenth of a second.
    await segmentsAdvance(t.baseUrl, 'cam', 6, 15_000);
    expect(stream.restarts).toBe(0);
    expect(stream.state).toBe('running');
  });
});

describe('FFmpeg failure modes at start', () => {
  it('an FFmpeg that hangs is killed at the start timeout, leaving nothing behind', async () => {
    const hang = await fakeFfmpeg('hang');
    cleanups.push(() => hang.remove());
    const { camera, t } = await setUp({ FFMPEG_PATH: hang.path, STREAM_START_TIMEOUT_SECONDS: '2', STOP_GRACE_SECONDS: '0.5' });
    let pid: number | undefined;
    const watcher = setInterval(() => (pid ??= t.services.manager.get('cam')?.pid), 20);
    const response = await fetch(startUrl(t.baseUrl, { indicator_id: 'cam', rtsp_link: camera.url }));
    clearInterval(watcher);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: 'source_timeout', message: 'no playable segment within 2 s' });
    expect(pid).toEqual(expect.any(Number));
    expect(isAlive(pid!)).toBe(false);
    expect(await t.streamFolders()).toEqual([]);
  });

  it('a start stopped before it became playable answers stream_stopped, and no FFmpeg failure is counted', async () => {
    const hang = await fakeFfmpeg('hang');
    cleanups.push(() => hang.remove());
    const { camera, t } = await setUp({ FFMPEG_PATH: hang.path, STOP_GRACE_SECONDS: '0.5' });
    const pending = fetch(startUrl(t.baseUrl, { indicator_id: 'cam', rtsp_link: camera.url }));
    const pid = await waitFor(() => t.services.manager.get('cam')?.pid, { what: 'FFmpeg to run' });
    const stopped = await fetch(`${t.baseUrl}/api/stream/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ indicator_id: 'cam' }),
    });
    expect(stopped.status).toBe(200);
    const response = await pending;
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: 'stream_stopped', message: 'stream cam was stopped before it became playable' });
    expect(isAlive(pid)).toBe(false);
    const metrics = await t.services.metrics.render();
    expect(metrics).toContain('stream_manager_stream_starts_total{result="stopped",cause=""} 1');
    expect(metrics).not.toContain('result="failed"');
    expect(metrics).toContain('stream_manager_ffmpeg_exits_total{reason="requested"} 1');
    expect(await t.streamFolders()).toEqual([]);
  });

  it('an FFmpeg that exits at once fails the start with its own last words', async () => {
    const early = await fakeFfmpeg('exit-early');
    cleanups.push(() => early.remove());
    const { camera, t } = await setUp({ FFMPEG_PATH: early.path });
    const response = await fetch(startUrl(t.baseUrl, { indicator_id: 'cam', rtsp_link: camera.url }));
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: 'ffmpeg_failed',
      message: 'FFmpeg failed: Conversion failed!',
      details: { ffmpeg_output: ['[libx264 @ 0x1] Error setting option crf to value nonsense.', 'Conversion failed!'] },
    });
    expect(t.services.manager.list()).toEqual([]);
    expect(await t.streamFolders()).toEqual([]);
  });

  it('a missing FFmpeg binary is reported as such', async () => {
    const { camera, t } = await setUp({ FFMPEG_PATH: '/nonexistent/ffmpeg' });
    const health = await fetch(`${t.baseUrl}/api/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unhealthy', ffmpeg: { found: false, path: '/nonexistent/ffmpeg' } });
    const response = await fetch(startUrl(t.baseUrl, { indicator_id: 'cam', rtsp_link: camera.url }));
    expect(response.status).toBe(502);
    expect((await response.json()).message).toContain('/nonexistent/ffmpeg');
  });
});
