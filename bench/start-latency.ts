/**
 * Cold-start latency benchmark: start request -> playable HLS playlist (one #EXTINF),
 * stream-manager vs. the seed's single FFmpeg command, against a local RTSP fixture.
 * Usage: npx tsx bench/start-latency.ts [--runs N (15)] [--seed-runs M (5)]   (or BENCH_RUNS=N)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log/logger.js';
import { createServices, pidRecordDir } from '../src/services.js';
import { type RtspCamera, startRtspCamera } from '../test/support/rtsp-camera.js';
import { percentile } from './stats.js';

const SEED_TIMEOUT_MS = 30_000;
const POLL_MS = 20;
const KILL_AFTER_MS = 2_000;
const CAMERA = { width: 640, height: 360, fps: 25, keyintSeconds: 1 } as const;
const SCENARIOS = [
  { title: 'Keyframe on connect', shared: false },
  { title: 'Joins mid-GOP', shared: true },
] as const;

type Run = { ok: true; seconds: number } | { ok: false; reason: string };
type Starter = (camera: RtspCamera, run: number) => Promise<Run>;

// Ctrl-C must not skip the finally blocks below, so it only aborts and lets them run.
const interrupted = new AbortController();
process.once('SIGINT', () => {
  console.error('\ninterrupted: cleaning up');
  process.exitCode = 130;
  interrupted.abort();
});

const hasSegment = (text: string) => /^#EXTINF:/m.test(text);
const readText = (file: string) => readFile(file, 'utf8').catch(() => '');
const elapsedSince = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The real daemon in-process, so the measured time is its own, not Node's start-up. */
async function withDaemon<T>(body: (start: Starter) => Promise<T>): Promise<T> {
  const streamDir = await mkdtemp(path.join(os.tmpdir(), 'bench-sm-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', STREAM_DIR: streamDir, LOG_LEVEL: 'silent' });
  const app = await buildApp(config, await createServices(config, createLogger({ level: 'silent' })));
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return await body(async (camera, run) => {
      const id = `bench${run}`; // fresh id per run: a reused id could hit a still-running stream
      const query = new URLSearchParams({ indicator_id: id, rtsp_link: camera.url });
      const t0 = process.hrtime.bigint();
      try {
        const response = await fetch(`${base}/api/stream/start?${query}`, { signal: interrupted.signal });
        await response.text();
        const seconds = elapsedSince(t0);
        if (response.status !== 200) return { ok: false, reason: `HTTP ${response.status}` };
        // The response claims "playable"; trust the playlist players get, not the claim.
        const playlist = await (await fetch(`${base}/streams/${id}/stream.m3u8`)).text();
        return hasSegment(playlist) ? { ok: true, seconds } : { ok: false, reason: 'no #EXTINF after 200' };
      } catch (error) {
        return { ok: false, reason: String(error) }; // e.g. Ctrl-C aborting the request
      } finally {
        await fetch(`${base}/api/stream/stop`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ indicator_id: id }),
        }).catch(() => {});
      }
    });
  } finally {
    await app.close(); // also stops any stream still running
    await rm(streamDir, { recursive: true, force: true });
    await rm(pidRecordDir(streamDir), { recursive: true, force: true });
  }
}

/** SIGTERM, then SIGKILL if FFmpeg lingers; resolves once this exact child has exited. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  await exited;
  clearTimeout(timer);
}

/** The seed's command, verbatim apart from quieting flags, timed from spawn. */
const startSeed: Starter = async (camera) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-seed-'));
  const playlist = path.join(dir, 'stream.m3u8');
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-rtsp_transport',
    'tcp',
    '-i',
    camera.url,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-f',
    'hls',
    '-hls_time',
    '2',
    '-hls_list_size',
    '5',
    '-hls_flags',
    'delete_segments',
    playlist,
  ];
  const t0 = process.hrtime.bigint();
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-500)));
  const exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', resolve);
  });
  try {
    while (!interrupted.signal.aborted) {
      if (hasSegment(await readText(playlist))) return { ok: true, seconds: elapsedSince(t0) };
      if (child.exitCode !== null || child.signalCode !== null) return { ok: false, reason: `ffmpeg exited: ${stderr.trim()}` };
      if (elapsedSince(t0) * 1000 > SEED_TIMEOUT_MS) return { ok: false, reason: 'timed out after 30 s' };
      await sleep(POLL_MS);
    }
    return { ok: false, reason: 'interrupted' };
  } finally {
    await stopChild(child, exited);
    await rm(dir, { recursive: true, force: true });
  }
};

function row(name: string, runs: Run[]): { line: string; p50?: number } {
  const times = runs.flatMap((r) => (r.ok ? [r.seconds] : [])).sort((a, b) => a - b);
  const ok = `${times.length}/${runs.length}`;
  if (times.length === 0) return { line: `| ${name} | ${ok} | – | – | – | – |` };
  const cells = [percentile(times, 50), percentile(times, 95), times[0]!, times.at(-1)!].map((s) => s.toFixed(2));
  return { line: `| ${name} | ${ok} | ${cells.join(' | ')} |`, p50: percentile(times, 50) };
}

function table(title: string, daemon: Run[], seed: Run[]): string {
  const a = row('stream-manager', daemon);
  const b = row('seed command', seed);
  const ratio = a.p50 && b.p50 ? `${(b.p50 / a.p50).toFixed(2)}×` : 'n/a';
  const failures = [...daemon.map((r) => ['stream-manager', r] as const), ...seed.map((r) => ['seed', r] as const)].flatMap(([who, r]) =>
    r.ok ? [] : [`- failed (${who}): ${r.reason}`],
  );
  return [
    `### ${title}`,
    '',
    '| | runs ok | p50 (s) | p95 (s) | min (s) | max (s) |',
    '|---|---|---|---|---|---|',
    a.line,
    b.line,
    '',
    `p50 ratio (seed ÷ stream-manager): **${ratio}**`,
    ...(failures.length ? ['', ...failures] : []),
  ].join('\n');
}

/** Interleaved A, B, A, B… so drift in machine load lands on both sides alike. */
async function runScenario(shared: boolean, runs: number, seedRuns: number, daemon: Starter, offset: number) {
  const camera = await startRtspCamera({ ...CAMERA, shared });
  const results = { daemon: [] as Run[], seed: [] as Run[] };
  try {
    for (let i = 0; i < runs && !interrupted.signal.aborted; i++) {
      // Each run must find the camera idle, or a lingering session would skew the next start.
      await camera.waitForClients((c) => c.active === 0);
      results.daemon.push(await daemon(camera, offset + i));
      process.stderr.write('.');
      // Fewer seed runs (each takes ~10 s) are spread evenly among the daemon's.
      if (Math.floor(((i + 1) * seedRuns) / runs) === Math.floor((i * seedRuns) / runs)) continue;
      if (interrupted.signal.aborted) break;
      await camera.waitForClients((c) => c.active === 0);
      results.seed.push(await startSeed(camera, i));
      process.stderr.write('s');
    }
    // Raw samples on stderr, so outliers can be spotted without cluttering the Markdown.
    process.stderr.write('\n');
    for (const [who, list] of Object.entries(results)) {
      console.error(`  ${who}: ${list.map((r) => (r.ok ? r.seconds.toFixed(2) : 'FAIL')).join(' ')}`);
    }
  } finally {
    await camera.stop();
  }
  return results;
}

function machineInfo(): string {
  const ffmpeg = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0];
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  return `Date: ${new Date().toISOString()} · Node ${process.version} · ${ffmpeg} · nproc ${nproc}`;
}

async function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, 'seed-runs': { type: 'string' } } });
  const runs = Number(values.runs ?? process.env.BENCH_RUNS ?? 15);
  // The seed waits ~10 s per run for libx264's default 250-frame GOP, so fewer runs keep the bench short.
  const seedRuns = Math.min(Number(values['seed-runs'] ?? 5), runs);
  if (![runs, seedRuns].every((n) => Number.isInteger(n) && n >= 1)) throw new Error('--runs and --seed-runs must be positive integers');

  const sections = await withDaemon(async (daemon) => {
    const out: string[] = [];
    for (const [n, { title, shared }] of SCENARIOS.entries()) {
      if (interrupted.signal.aborted) break;
      console.error(`${title}: ${runs} stream-manager + ${seedRuns} seed runs`);
      const r = await runScenario(shared, runs, seedRuns, daemon, n * runs);
      out.push(table(title, r.daemon, r.seed));
    }
    return out;
  });
  const markdown = [
    '## Cold-start latency (start request → playlist with one complete segment)',
    '',
    machineInfo(),
    '',
    'Camera: local GStreamer RTSP fixture, 640x360 25 fps H.264, 1 s keyframe interval, over TCP. ' +
      'stream-manager: in-process daemon with default settings, timed as the wall time of `GET /api/stream/start` ' +
      '(which answers once playable). Seed command: its FFmpeg command, timed from spawn until the playlist ' +
      `has an \`#EXTINF\` (polled every ${POLL_MS} ms). Per scenario: ${runs} stream-manager runs and ${seedRuns} seed runs ` +
      `(spread evenly among the daemon's, interleaved). Percentiles are nearest-rank over successful runs.`,
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  if (interrupted.signal.aborted) return; // partial numbers would only mislead
  console.log(markdown);
  const results = new URL('./results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(new URL('start-latency.md', results), markdown);
}

await main();
