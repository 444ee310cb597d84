import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pidRecordDir } from '../../src/services.js';
import { startUrl } from '../support/api.js';
import { type DaemonProcess, startDaemonProcess } from '../support/daemon-process.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempStreamDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-daemon-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  cleanups.push(() => rm(pidRecordDir(dir), { recursive: true, force: true }));
  return dir;
}

async function daemon(env: Record<string, string>): Promise<DaemonProcess> {
  const started = await startDaemonProcess(env);
  cleanups.push(() => started.kill());
  return started;
}

async function camera(): Promise<RtspCamera> {
  const started = await startRtspCamera();
  cleanups.push(() => started.stop());
  return started;
}

/** Starts streams and returns their FFmpeg pids (killed at clean-up should a test fail). */
async function startStreams(d: DaemonProcess, cam: RtspCamera, ids: string[]): Promise<number[]> {
  await Promise.all(
    ids.map(async (id) => {
      const response = await fetch(startUrl(d.baseUrl, { indicator_id: id, rtsp_link: cam.url }));
      expect(response.status).toBe(200);
    }),
  );
  const { streams } = (await (await fetch(`${d.baseUrl}/api/streams`)).json()) as { streams: Array<{ pid: number }> };
  const pids = streams.map((stream) => stream.pid);
  cleanups.push(async () => {
    for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
  });
  return pids;
}

describe('daemon lifecycle', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('on %s stops every FFmpeg, removes the folders and exits 0 within 10 s', async (signal) => {
    const streamDir = await tempStreamDir();
    const [d, cam] = await Promise.all([daemon({ STREAM_DIR: streamDir }), camera()]);
    const pids = await startStreams(d, cam, ['a', 'b', 'c']);
    expect(pids).toHaveLength(3);
    expect((await readdir(streamDir)).sort()).toEqual(['.gitkeep', 'a', 'b', 'c'].filter((n) => n !== '.gitkeep'));

    const sentAt = Date.now();
    d.child.kill(signal);
    const exit = await d.exited;
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await readdir(streamDir)).toEqual([]);
  });

  it('after a kill -9, its FFmpeg processes end with it, and the next start removes their folders', async () => {
    const streamDir = await tempStreamDir();
    const [first, cam] = await Promise.all([daemon({ STREAM_DIR: streamDir }), camera()]);
    const pids = await startStreams(first, cam, ['x', 'y']);
    first.child.kill('SIGKILL');
    await first.exited;
    // The kernel ends them (setpriv --pdeathsig); the pid records would catch any that lived on (test/process/pid-records.test.ts).
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { timeoutMs: 5000, what: 'the FFmpeg processes to end with their daemon' });
    expect((await readdir(streamDir)).sort()).toEqual(['x', 'y']);

    const second = await daemon({ STREAM_DIR: streamDir });
    expect(await readdir(streamDir)).toEqual([]);
    expect(second.output.some((line) => line.includes('cleaned up after a previous run'))).toBe(true);
    expect((await (await fetch(`${second.baseUrl}/api/health`)).json()).active_streams).toBe(0);
  });

  it('refuses to start with an invalid variable, naming it', async () => {
    const result = startDaemonProcess({ PORT: 'eighty', HLS_LIST_SIZE: '0' });
    await expect(result).rejects.toThrow(/PORT/);
    await expect(result).rejects.toThrow(/HLS_LIST_SIZE/);
  });

  it('re-reads CAMERAS_FILE on SIGHUP and keeps running; refuses a bad one without echoing its credentials', async () => {
    const streamDir = await tempStreamDir();
    const file = path.join(streamDir, '..', `${path.basename(streamDir)}-cameras.yml`);
    cleanups.push(() => rm(file, { force: true }));
    await writeFile(file, 'cameras:\n  gate:\n    url: rtsp://admin:hunter2-secret@192.0.2.1/live\n');
    const d = await daemon({ STREAM_DIR: streamDir, CAMERAS_FILE: file });
    d.child.kill('SIGHUP');
    await waitFor(() => d.output.some((line) => line.includes('SIGHUP: reloading CAMERAS_FILE')), { what: 'the SIGHUP to be handled' });
    expect((await fetch(`${d.baseUrl}/api/health`)).status).toBe(200);
    expect((await (await fetch(`${d.baseUrl}/api/cameras`)).json()).cameras).toHaveLength(1);

    await writeFile(file, 'cameras:\n  gate:\n    url: ftp://admin:hunter2-secret@192.0.2.1/live\n');
    const refused = startDaemonProcess({ STREAM_DIR: streamDir, CAMERAS_FILE: file });
    await expect(refused).rejects.toThrow(/CAMERAS_FILE: .*camera "gate", field "url"/);
    await expect(refused).rejects.not.toThrow(/hunter2/);
  });

  it('serves the demo camera when enabled, and never takes a source for it from the API', async () => {
    const streamDir = await tempStreamDir();
    const d = await daemon({ STREAM_DIR: streamDir, DEMO_ENABLED: 'true' });
    const response = await fetch(startUrl(d.baseUrl, { indicator_id: 'demo' }));
    expect(await response.json()).toMatchObject({ status: 'started', stream_path: '/streams/demo/stream.m3u8' });
    const status = await (await fetch(`${d.baseUrl}/api/stream/status?indicator_id=demo`)).json();
    expect(status).toMatchObject({ state: 'running', mode: 'transcode', source: { width: 1280, height: 720 } });
    cleanups.push(async () => isAlive(status.pid) && process.kill(status.pid, 'SIGKILL'));

    const hijack = await fetch(startUrl(d.baseUrl, { indicator_id: 'demo', rtsp_link: 'rtsp://elsewhere/x' }));
    expect(hijack.status).toBe(409);
    expect(await (await fetch(`${d.baseUrl}/streams/demo/stream.m3u8`)).text()).toMatch(/^#EXT-X-PART:.*INDEPENDENT=YES/m);
  });
});

describe('daemon lifecycle with detection', () => {
  it('shuts down within 10 s with an event stream open and the model loaded', async () => {
    const streamDir = await tempStreamDir();
    const [d, cam] = await Promise.all([daemon({ STREAM_DIR: streamDir, DETECT_ENABLED: 'true' }), camera()]);
    const pids = await startStreams(d, cam, ['a']);
    const events = await fetch(`${d.baseUrl}/api/stream/events`, { headers: { accept: 'text/event-stream' } });
    expect(events.status).toBe(200);
    const reader = events.body!.getReader();
    await reader.read(); // the stream is open and flowing

    const sentAt = Date.now();
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(pids.filter(isAlive)).toEqual([]);
    await reader.cancel().catch(() => {});
  });
});
