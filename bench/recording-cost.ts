/**
 * What recording costs per camera, side by side in one run: N cameras of one RTSP fixture
 * (640×360, 25 fps), each (1) HLS only, started through the API; (2) HLS and recording from
 * the camera's one FFmpeg (CAMERAS_FILE record: true); (3) the naive way: HLS from the daemon
 * plus a second FFmpeg per camera recording the same segments on its own. CPU of every FFmpeg
 * and of the daemon over the same window (from /proc), and RTSP sessions at the camera.
 *
 * Usage: npm run bench:recording -- [--cameras N (10)] [--seconds S (20)]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pidRecordDir } from '../src/services.js';
import { type DaemonProcess, startDaemonProcess } from '../test/support/daemon-process.js';
import { type RtspCamera, startRtspCamera } from '../test/support/rtsp-camera.js';
import { cpuSeconds } from './proc-stats.js';

const { values: options } = parseArgs({
  options: { cameras: { type: 'string', default: '10' }, seconds: { type: 'string', default: '20' } },
});
const CAMERAS = Number(options.cameras);
const WINDOW_MS = Number(options.seconds) * 1000;
const SETTLE_MS = 5000;

type Scenario = 'hls only' | 'hls + recording, one FFmpeg' | 'hls + a second FFmpeg recording';

async function ffmpegPids(daemon: DaemonProcess): Promise<number[]> {
  const { streams } = (await (await fetch(`${daemon.baseUrl}/api/streams`)).json()) as { streams: Array<{ pid: number | null }> };
  return streams.flatMap((stream) => (stream.pid ? [stream.pid] : []));
}

/** The recorder an operator would run beside the daemon: its own RTSP session, the same segments. */
function naiveRecorder(url: string, dir: string): ChildProcess {
  return spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-rtsp_transport', 'tcp', '-i', url, '-map', '0', '-c', 'copy'],
      ...['-f', 'segment', '-segment_time', '60', '-segment_format', 'mp4', '-reset_timestamps', '1'],
      ...['-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=1000000:flush_packets=1'],
      path.join(dir, '%05d.mp4'),
    ],
    { stdio: 'ignore', env: { ...process.env, TZ: 'UTC' } },
  );
}

async function measure(scenario: Scenario, camera: RtspCamera) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-rec-'));
  const streamDir = path.join(work, 'streams');
  const recordDir = path.join(work, 'recordings');
  const ids = Array.from({ length: CAMERAS }, (_, i) => `rec${i}`);
  const record = scenario === 'hls + recording, one FFmpeg';
  await writeFile(
    path.join(work, 'cameras.json'),
    JSON.stringify({ cameras: Object.fromEntries(ids.map((id) => [id, { url: camera.url, record }])) }),
  );
  const daemon = await startDaemonProcess({
    STREAM_DIR: streamDir,
    RECORD_DIR: recordDir,
    CAMERAS_FILE: path.join(work, 'cameras.json'),
    MAX_STREAMS: String(CAMERAS + 10),
    RATE_LIMIT_MAX: '0',
    CLEANUP_DELAY_SECONDS: '3600',
  });
  const recorders: ChildProcess[] = [];
  try {
    if (!record) {
      for (const id of ids) {
        const response = await fetch(`${daemon.baseUrl}/api/stream/start?indicator_id=${id}`);
        if (!response.ok) throw new Error(`${scenario}: start ${id}: ${response.status} ${await response.text()}`);
      }
    }
    if (scenario === 'hls + a second FFmpeg recording') {
      for (const id of ids) {
        const dir = path.join(recordDir, id);
        await mkdir(dir, { recursive: true });
        recorders.push(naiveRecorder(camera.url, dir));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const pids = [...(await ffmpegPids(daemon)), ...recorders.map((r) => r.pid!)];
    const sample = async () => ({
      daemon: await cpuSeconds(daemon.child.pid!),
      ffmpeg: (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0),
      at: performance.now(),
    });
    const before = await sample();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const after = await sample();
    const seconds = (after.at - before.at) / 1000;
    return {
      scenario,
      processes: pids.length,
      sessions: camera.clients.active,
      ffmpegPerCamera: (after.ffmpeg - before.ffmpeg) / seconds / CAMERAS,
      daemonPerCamera: (after.daemon - before.daemon) / seconds / CAMERAS,
    };
  } finally {
    for (const recorder of recorders) recorder.kill('SIGKILL');
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await rm(pidRecordDir(streamDir), { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const camera = await startRtspCamera({ width: 640, height: 360, fps: 25, keyintSeconds: 1, shared: true });
  try {
    const results: Array<Awaited<ReturnType<typeof measure>>> = [];
    for (const scenario of ['hls only', 'hls + recording, one FFmpeg', 'hls + a second FFmpeg recording'] as const) {
      results.push(await measure(scenario, camera));
      await camera.waitForClients((c) => c.active === 0, 15_000);
    }
    const base = results[0]!;
    const pct = (cores: number) => `${(cores * 100).toFixed(2)} %`;
    const total = (r: (typeof results)[number]) => r.ffmpegPerCamera + r.daemonPerCamera;
    console.log(
      [
        '',
        `| ${CAMERAS} cameras, ${WINDOW_MS / 1000} s | FFmpeg processes | RTSP sessions | FFmpeg CPU per camera | daemon CPU per camera | together | vs HLS only |`,
        '|---|---|---|---|---|---|---|',
        ...results.map(
          (r) =>
            `| ${r.scenario} | ${r.processes} | ${r.sessions} | ${pct(r.ffmpegPerCamera)} | ${pct(r.daemonPerCamera)} | ${pct(total(r))} | ${total(r) >= total(base) ? '+' : ''}${(((total(r) - total(base)) / total(base)) * 100).toFixed(0)} % |`,
        ),
      ].join('\n'),
    );
  } finally {
    await camera.stop();
  }
}

await main();
