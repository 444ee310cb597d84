import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { fetchPlaylist } from '../support/hls.js';
import { camerasFile, clockStamps, decodesCleanly, probeDuration } from '../support/recordings.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const WIDTH = 704;
const FRAME_MS = 40;
const SEGMENT_SECONDS = 3;

let camera: RtspCamera;
let cameras: Awaited<ReturnType<typeof camerasFile>>;
let t: TestApp;

beforeAll(async () => {
  camera = await startRtspCamera({ pattern: 'clock', width: WIDTH, height: 396, fps: 25, keyintSeconds: 1 });
  cameras = await camerasFile({ gate: { url: camera.url, record: true } });
  t = await startTestApp({
    CAMERAS_FILE: cameras.file,
    RECORD_SEGMENT_SECONDS: String(SEGMENT_SECONDS),
    // A sweep every half second, for streams idle for a second: a recorded camera must survive them.
    CLEANUP_DELAY_SECONDS: '1',
    CLEANUP_INTERVAL_SECONDS: '0.5',
  });
}, 30_000);
afterAll(async () => {
  await t?.close();
  await cameras?.remove();
  await camera?.stop();
});

type Listing = {
  spans: Array<{ start: string; end: string; duration: number }>;
  segments: Array<{ name: string; start: string; end: string; duration: number; size: number; upload: string }>;
};
const listing = async (query = ''): Promise<Listing> => {
  const response = await fetch(`${t.baseUrl}/api/recordings?indicator_id=gate${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Listing;
};
const fileOf = (name: string) => path.join(t.recordDir, 'gate', name);

describe('a recorded camera (CAMERAS_FILE record: true)', () => {
  it('records from the start with nobody watching: back-to-back segments of RECORD_SEGMENT_SECONDS, one RTSP session shared with HLS', async () => {
    const segments = await waitFor(async () => ((await listing()).segments.length >= 4 ? (await listing()).segments : undefined), {
      timeoutMs: 40_000,
      what: 'four finished segments',
    });
    const stream = t.services.manager.get('gate')!;
    expect(stream.alwaysOn).toBe(true);
    expect(stream.state).toBe('running'); // swept every 0.5 s for 12 s, and still here
    // The daemon writes the footage from the HLS output's fragments: FFmpeg has no recording output.
    expect((await readFile(`/proc/${stream.pid}/cmdline`, 'utf8')).split('\0')).not.toContain('segment');

    // Files as the issue names them, each as long as configured (cut on the next keyframe) and as ffprobe reads it.
    for (const segment of segments) {
      expect(segment.name).toMatch(/^\d{4}-\d{2}-\d{2}\/\d{2}-\d{2}-\d{2}\.mp4$/);
      expect(segment.name.slice(0, 10)).toBe(segment.start.slice(0, 10));
      expect(Math.abs((await probeDuration(fileOf(segment.name))) - segment.duration)).toBeLessThan(0.1);
      expect(segment.upload).toBe('none');
    }
    for (const segment of segments.slice(0, -1)) expect(Math.abs(segment.duration - SEGMENT_SECONDS)).toBeLessThanOrEqual(1);

    // No frame lost between segments: the camera's clock, read off the frames, runs on from one file into the next.
    const stamps = await Promise.all(segments.map((segment) => clockStamps(fileOf(segment.name), WIDTH)));
    for (let i = 1; i < stamps.length; i++) {
      const step = stamps[i]![0]! - stamps[i - 1]!.at(-1)!;
      expect(step, `from ${segments[i - 1]!.name} to ${segments[i]!.name}`).toBeGreaterThan(0);
      expect(step).toBeLessThanOrEqual(2 * FRAME_MS);
    }
    expect((await listing()).spans).toHaveLength(1);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const kept = Number(/stream_manager_recording_segments\{indicator_id="gate"\} (\d+)/.exec(metrics)?.[1]);
    expect(kept).toBeGreaterThanOrEqual(segments.length);
    expect(metrics).toMatch(/stream_manager_recording_disk_short_bytes 0/);

    // A viewer joins the running process: HLS plays, and the camera still has one client.
    const started = await fetch(startUrl(t.baseUrl, { indicator_id: 'gate' }));
    expect(started.status).toBe(200);
    expect((await fetchPlaylist(t.baseUrl, 'gate')).segments.length).toBeGreaterThan(0);
    expect(camera.clients).toMatchObject({ active: 1, total: 1 });
  }, 60_000);

  it('serves one playable MP4 of a range across two segments, 404 for a range with nothing, 400 for bad ranges', async () => {
    const [first, second] = (await listing()).segments;
    const from = Date.parse(first!.start) + 1000;
    const to = Date.parse(second!.start) + 1000;
    const clipUrl = (start: string | number, end: string | number) =>
      `${t.baseUrl}/api/recordings/clip?indicator_id=gate&start=${start}&end=${end}`;
    const response = await fetch(clipUrl(new Date(from).toISOString(), to));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-clip-'));
    try {
      const file = path.join(dir, 'clip.mp4');
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      expect(await decodesCleanly(file)).toBe(true);
      // Remuxed, so it begins on the keyframe at or before the start: up to one GOP (1 s) more.
      const duration = await probeDuration(file);
      expect(duration).toBeGreaterThanOrEqual((to - from) / 1000 - 0.1);
      expect(duration).toBeLessThanOrEqual((to - from) / 1000 + 1.1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const nothing = await fetch(clipUrl('2001-01-01T00:00:00Z', '2001-01-01T00:01:00Z'));
    expect(nothing.status).toBe(404);
    expect(await nothing.json()).toMatchObject({ error: 'no_recording', message: expect.stringMatching(/nothing is recorded for gate/) });
    for (const [start, end] of [
      [to, from],
      ['yesterday', to],
      [from, from + 7 * 3_600_000],
    ]) {
      const bad = await fetch(clipUrl(start!, end!));
      expect(bad.status, `${start} → ${end}`).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBe('invalid_request');
    }
    expect((await fetch(`${t.baseUrl}/api/recordings/clip?indicator_id=gate`)).status).toBe(400);
  });

  it('refuses to stop it through the API: its entry decides', async () => {
    const response = await fetch(`${t.baseUrl}/api/stream/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ indicator_id: 'gate' }),
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { message: string }).message).toMatch(/record/);
    expect(t.services.manager.get('gate')?.state).toBe('running');
  });

  it('keeps a playable file when FFmpeg is killed mid-segment, resumes on its own, and shows the gap', async () => {
    const stream = t.services.manager.get('gate')!;
    const before = (await listing()).segments.length;
    // Mid-segment: a little after a segment was finished.
    await waitFor(async () => (await listing()).segments.length > before, { timeoutMs: 10_000, what: 'a fresh segment' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const killedPid = stream.pid!;
    const killedAt = Date.now();
    process.kill(killedPid, 'SIGKILL');
    await waitFor(() => stream.state === 'running' && stream.pid !== killedPid, { timeoutMs: 15_000, what: 'FFmpeg to be back' });

    // The killed run's last file is listed (probed), plays to its end, and ends within about a second of the kill.
    const { segments: after } = await waitFor(
      async () => {
        const now = await listing();
        return now.segments.some((s) => Date.parse(s.start) > killedAt) ? now : undefined;
      },
      { timeoutMs: 20_000, what: 'a segment of the new run' },
    );
    const partial = after.filter((s) => Date.parse(s.start) <= killedAt).at(-1)!;
    expect(await decodesCleanly(fileOf(partial.name))).toBe(true);
    const lastFrame = (await clockStamps(fileOf(partial.name), WIDTH)).at(-1)!;
    const lostMs = (killedAt % 2 ** 32) - lastFrame;
    expect(lostMs).toBeGreaterThanOrEqual(0);
    expect(lostMs).toBeLessThanOrEqual(1500);

    const spans = (await listing()).spans;
    expect(spans.length, JSON.stringify({ killedAt: new Date(killedAt), segs: (await listing()).segments })).toBeGreaterThanOrEqual(2);
    const gapAt = spans.findIndex((span) => Date.parse(span.end) <= killedAt + 1000 && Date.parse(span.end) >= killedAt - 2000);
    expect(gapAt, JSON.stringify(spans)).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('records through a camera outage: the spans show the gap, and recording resumes by itself when the camera is back', async () => {
    const options = { pattern: 'clock', width: WIDTH, height: 396, fps: 25, keyintSeconds: 1, port: camera.port } as const;
    await camera.stop();
    const downAt = Date.now();
    // Down long enough for FFmpeg to notice and for the keeper to be retrying.
    await waitFor(() => t.services.manager.get('gate')?.state !== 'running' || undefined, {
      timeoutMs: 15_000,
      what: 'the stream to see the outage',
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    camera = await startRtspCamera(options);
    const upAt = Date.now();

    const { spans } = await waitFor(
      async () => {
        const now = await listing();
        return now.segments.some((s) => Date.parse(s.start) >= upAt) ? now : undefined;
      },
      { timeoutMs: 40_000, what: 'a segment recorded after the camera came back' },
    );
    // One span ends while the camera was down and the next begins after it came back: the gap, honestly.
    const before = spans.filter((span) => Date.parse(span.end) <= upAt).at(-1)!;
    const after = spans.find((span) => Date.parse(span.start) >= upAt)!;
    expect(Date.parse(before.end)).toBeGreaterThanOrEqual(downAt - 2000);
    expect(Date.parse(before.end)).toBeLessThanOrEqual(downAt + 1000);
    expect(after, JSON.stringify(spans)).toBeDefined();
    expect(t.services.manager.get('gate')?.alwaysOn).toBe(true);
  }, 90_000);
});
