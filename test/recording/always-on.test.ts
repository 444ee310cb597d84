import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pidRecordDir } from '../../src/services.js';
import { type DaemonProcess, startDaemonProcess } from '../support/daemon-process.js';
import { camerasFile, clockStamps, decodesCleanly } from '../support/recordings.js';
import { startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp } from '../support/test-app.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const WIDTH = 704;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

type Segment = { name: string; start: string; end: string };
async function segmentsOf(baseUrl: string, id: string): Promise<Segment[]> {
  const response = await fetch(`${baseUrl}/api/recordings?indicator_id=${id}`);
  return ((await response.json()) as { segments: Segment[] }).segments;
}

describe('always-on cameras follow CAMERAS_FILE', () => {
  it('starts a camera when record: true appears in the file and stops it when the entry goes', async () => {
    const camera = await startRtspCamera();
    cleanups.push(() => camera.stop());
    const cameras = await camerasFile({ yard: { url: camera.url } });
    cleanups.push(() => cameras.remove());
    const t = await startTestApp({ CAMERAS_FILE: cameras.file, RECORD_SEGMENT_SECONDS: '2' });
    cleanups.push(() => t.close());
    expect(t.services.manager.get('yard')).toBeUndefined(); // not recorded: on demand, as before

    await writeFile(cameras.file, JSON.stringify({ cameras: { yard: { url: camera.url, record: true } } }));
    await waitFor(() => t.services.manager.get('yard')?.state === 'running', { timeoutMs: 15_000, what: 'the recorded camera to start' });
    await waitFor(async () => (await segmentsOf(t.baseUrl, 'yard')).length > 0, { timeoutMs: 15_000, what: 'a segment' });

    await writeFile(cameras.file, JSON.stringify({ cameras: {} }));
    await waitFor(() => t.services.manager.get('yard') === undefined, { timeoutMs: 15_000, what: 'the stream to stop' });
    await camera.waitForClients((c) => c.active === 0);
    // Its recordings stay.
    expect((await segmentsOf(t.baseUrl, 'yard')).length).toBeGreaterThan(0);
  }, 60_000);
});

describe('a kill -9 of the daemon while recording', () => {
  it('leaves a playable partial file, and the restarted daemon lists it and records on', async () => {
    const camera = await startRtspCamera({ pattern: 'clock', width: WIDTH, height: 396, fps: 25, keyintSeconds: 1 });
    cleanups.push(() => camera.stop());
    const cameras = await camerasFile({ gate: { url: camera.url, record: true } });
    cleanups.push(() => cameras.remove());
    const env = {
      CAMERAS_FILE: cameras.file,
      RECORD_DIR: await tempDir('sm-rec-'),
      STREAM_DIR: await tempDir('sm-daemon-'),
      RECORD_SEGMENT_SECONDS: '3',
    };
    cleanups.push(() => rm(pidRecordDir(env.STREAM_DIR), { recursive: true, force: true }));
    const run = async (): Promise<DaemonProcess> => {
      const daemon = await startDaemonProcess(env);
      cleanups.push(() => daemon.kill());
      return daemon;
    };

    const first = await run();
    await waitFor(async () => (await segmentsOf(first.baseUrl, 'gate')).length >= 1, { timeoutMs: 20_000, what: 'a segment' });
    const { streams } = (await (await fetch(`${first.baseUrl}/api/streams`)).json()) as { streams: Array<{ pid: number }> };
    const ffmpegPid = streams[0]!.pid;
    cleanups.push(async () => {
      if (isAlive(ffmpegPid)) process.kill(ffmpegPid, 'SIGKILL');
    });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // into the next segment
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    await first.exited;
    // Its FFmpeg loses the daemon's end of its pipes and gives up on its own.
    await waitFor(() => !isAlive(ffmpegPid), { timeoutMs: 10_000, what: 'the orphaned FFmpeg to exit' });

    const second = await run();
    const segments = await waitFor(
      async () => {
        const listed = await segmentsOf(second.baseUrl, 'gate');
        return listed.some((s) => Date.parse(s.start) > killedAt) ? listed : undefined;
      },
      { timeoutMs: 30_000, what: 'a segment recorded by the restarted daemon' },
    );
    const partial = segments.filter((s) => Date.parse(s.start) <= killedAt).at(-1)!;
    const file = path.join(env.RECORD_DIR, 'gate', partial.name);
    expect(await decodesCleanly(file)).toBe(true);
    const lastFrame = (await clockStamps(file, WIDTH)).at(-1)!;
    // Within about a second of the kill: what FFmpeg had not flushed yet, or wrote before it noticed.
    expect(Math.abs((killedAt % 2 ** 32) - lastFrame)).toBeLessThanOrEqual(1500);
    expect(Date.parse(partial.end)).toBeLessThan(Date.parse(segments.at(-1)!.start));
  }, 90_000);
});
