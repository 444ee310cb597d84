/**
 * What recording costs per camera, side by side in one run: N cameras of one RTSP fixture
 * (640×360, 25 fps), each (1) HLS only (low latency), started through the API; (2) HLS and
 * recording on the camera's one connection (CAMERAS_FILE record: true), written by the daemon
 * from the HLS output's fragments; (3) the naive way: HLS from the daemon plus a second FFmpeg
 * per camera recording the same segments on its own; and with HLS_VARIANT=mpegts (4) HLS only
 * and (5) HLS and recording, which FFmpeg's segment muxer then writes. CPU of every FFmpeg and
 * of the daemon over the same window (from /proc), and RTSP sessions at the camera. The
 * scenarios take turns for several rounds (this host's noise is larger than some of the
 * differences); the table gives each one's median.
 *
 * Usage: npm run bench:recording -- [--cameras N (10)] [--seconds S (20)] [--rounds R (3)]
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
import { percentile } from './stats.js';

const { values: options } = parseArgs({
  options: {
    cameras: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
  },
});
const CAMERAS = Number(options.cameras);
const ROUNDS = Number(options.rounds);
const WINDOW_MS = Number(options.seconds) * 1000;
const SETTLE_MS = 5000;

const SCENARIOS = {
  'HLS only': { variant: 'lowlatency', record: false, naive: false },
  'HLS + recording, one FFmpeg (daemon writes the fragments)': { variant: 'lowlatency', record: true, naive: false },
  'HLS + a second FFmpeg recording': { variant: 'lowlatency', record: false, naive: true },
  'MPEG-TS HLS only': { variant: 'mpegts', record: false, naive: false },
  'MPEG-TS HLS + recording, one FFmpeg (its segment muxer)': { variant: 'mpegts', record: true, naive: false },
} as const;
type Scenario = keyof typeof SCENARIOS;
/** Each recording scenario is compared with the HLS-only one of its variant. */
const BASELINE = { lowlatency: 'HLS only', mpegts: 'MPEG-TS HLS only' } as const;

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
  const { variant, record, naive } = SCENARIOS[scenario];
  await writeFile(
    path.join(work, 'cameras.json'),
    JSON.stringify({ cameras: Object.fromEntries(ids.map((id) => [id, { url: camera.url, record }])) }),
  );
  const daemon = await startDaemonProcess({
    STREAM_DIR: streamDir,
    RECORD_DIR: recordDir,
    CAMERAS_FILE: path.join(work, 'cameras.json'),
    MAX_STREAMS: String(CAMERAS + 10),
    HLS_VARIANT: variant,
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
    if (naive) {
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

const median = (values: number[]) => percentile(values, 50);

async function main(): Promise<void> {
  const camera = await startRtspCamera({ width: 640, height: 360, fps: 25, keyintSeconds: 1, shared: true });
  try {
    const samples = new Map<Scenario, Array<Awaited<ReturnType<typeof measure>>>>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
        samples.set(scenario, [...(samples.get(scenario) ?? []), await measure(scenario, camera)]);
        await camera.waitForClients((c) => c.active === 0, 15_000);
      }
    }
    const results = [...samples].map(([scenario, runs]) => ({
      scenario,
      processes: runs[0]!.processes,
      sessions: runs[0]!.sessions,
      ffmpeg: median(runs.map((r) => r.ffmpegPerCamera)),
      daemon: median(runs.map((r) => r.daemonPerCamera)),
      total: median(runs.map((r) => r.ffmpegPerCamera + r.daemonPerCamera)),
    }));
    const of = (scenario: Scenario) => results.find((r) => r.scenario === scenario)!;
    const pct = (cores: number) => `${(cores * 100).toFixed(2)} %`;
    const versus = (value: number, base: number) =>
      value === base ? '' : `${value >= base ? '+' : ''}${(((value - base) / base) * 100).toFixed(0)} %`;
    console.log(
      [
        '',
        `| ${CAMERAS} cameras, ${WINDOW_MS / 1000} s × ${ROUNDS} rounds (medians) | FFmpeg processes | RTSP sessions | FFmpeg CPU per camera | daemon CPU per camera | together | FFmpeg vs HLS only | together vs HLS only |`,
        '|---|---|---|---|---|---|---|---|',
        ...results.map((r) => {
          const base = of(BASELINE[SCENARIOS[r.scenario].variant]);
          return `| ${r.scenario} | ${r.processes} | ${r.sessions} | ${pct(r.ffmpeg)} | ${pct(r.daemon)} | ${pct(r.total)} | ${versus(r.ffmpeg, base.ffmpeg)} | ${versus(r.total, base.total)} |`;
        }),
      ].join('\n'),
    );
  } finally {
    await camera.stop();
  }
}

await main();
