/**
 * Recovery benchmark: how long a stream is gone after (a) its FFmpeg is killed and (b) its
 * camera goes away and comes back, measured as a player sees it: from the kill (or the
 * camera's return) until the playlist lists the first segment of the new FFmpeg run.
 *
 * Daemons run as `npm start` runs them, side by side on the same camera. With --baseline
 * <commit>, that commit runs beside this tree (checked out into a temporary git worktree
 * sharing this tree's node_modules), so before/after are measured in one run.
 *
 * Usage: npm run bench:recovery -- [--runs N (6)] [--outage-seconds S (4)] [--baseline <commit>]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pidRecordDir } from '../src/services.js';
import { type DaemonProcess, startDaemonProcess } from '../test/support/daemon-process.js';
import { type RtspCamera, startRtspCamera } from '../test/support/rtsp-camera.js';
import { waitFor } from '../test/support/wait-for.js';
import { percentile } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const POLL_MS = 25;
const CAMERA = { width: 640, height: 360, fps: 25, keyintSeconds: 1 } as const;

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '6' },
    'outage-seconds': { type: 'string', default: '4' },
    baseline: { type: 'string' },
  },
});
const RUNS = Number(options.runs);
const OUTAGE_MS = Number(options['outage-seconds']) * 1000;

interface Variant {
  name: string;
  daemon: DaemonProcess;
  streamDir: string;
}

interface Results {
  killed: number[];
  outage: number[];
}

/** The segments a playlist lists, each with whether a discontinuity (a new FFmpeg run) precedes it. */
function segmentsOf(playlist: string): Array<{ uri: string; afterSeam: boolean }> {
  const segments: Array<{ uri: string; afterSeam: boolean }> = [];
  let seam = false;
  for (const line of playlist.split('\n')) {
    if (line.startsWith('#EXT-X-DISCONTINUITY')) seam = true;
    else if (line && !line.startsWith('#')) {
      segments.push({ uri: line.trim(), afterSeam: seam });
      seam = false;
    }
  }
  return segments;
}

async function playlistOf(variant: Variant, id: string): Promise<string> {
  const response = await fetch(`${variant.daemon.baseUrl}/streams/${id}/stream.m3u8`).catch(() => undefined);
  return response?.ok ? response.text() : '';
}

/** Resolves with the seconds from t0 until the playlist lists the first segment of a new run. */
async function untilNewRun(variant: Variant, id: string, known: Set<string>, t0: number): Promise<number> {
  for (;;) {
    const fresh = segmentsOf(await playlistOf(variant, id)).find((segment) => segment.afterSeam && !known.has(segment.uri));
    if (fresh) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > 60_000) throw new Error(`${variant.name}: no new run within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function start(variant: Variant, id: string, camera: RtspCamera): Promise<void> {
  const query = new URLSearchParams({ indicator_id: id, rtsp_link: camera.url });
  const response = await fetch(`${variant.daemon.baseUrl}/api/stream/start?${query}`);
  if (response.status !== 200) throw new Error(`${variant.name}: start answered ${response.status}: ${await response.text()}`);
}

async function status(variant: Variant, id: string): Promise<{ state: string; pid: number | null }> {
  return (await fetch(`${variant.daemon.baseUrl}/api/stream/status?indicator_id=${id}`)).json() as Promise<{
    state: string;
    pid: number | null;
  }>;
}

/** Running, with a few segments behind it: a stream that has been healthy for a while. */
async function settled(variant: Variant, id: string): Promise<void> {
  await waitFor(async () => (await status(variant, id)).state === 'running' && segmentsOf(await playlistOf(variant, id)).length >= 4, {
    timeoutMs: 20_000,
    what: `${variant.name} to settle`,
  });
}

async function stop(variant: Variant, id: string): Promise<void> {
  await fetch(`${variant.daemon.baseUrl}/api/stream/stop`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ indicator_id: id }),
  });
}

async function killedFfmpeg(variants: Variant[], camera: RtspCamera, run: number, results: Map<string, Results>) {
  const id = `killed${run}`;
  await Promise.all(variants.map((variant) => start(variant, id, camera)));
  await Promise.all(variants.map((variant) => settled(variant, id)));
  // One after the other, so that the two restarts do not compete for the cores.
  for (const variant of variants) {
    const known = new Set(segmentsOf(await playlistOf(variant, id)).map((segment) => segment.uri));
    const { pid } = await status(variant, id);
    const t0 = performance.now();
    process.kill(pid!, 'SIGKILL');
    results.get(variant.name)!.killed.push(await untilNewRun(variant, id, known, t0));
  }
  await Promise.all(variants.map((variant) => stop(variant, id)));
}

async function cameraOutage(variants: Variant[], run: number, results: Map<string, Results>) {
  let camera = await startRtspCamera(CAMERA);
  const port = camera.port;
  const id = `outage${run}`;
  try {
    await Promise.all(variants.map((variant) => start(variant, id, camera)));
    await Promise.all(variants.map((variant) => settled(variant, id)));
    const known = new Map<string, Set<string>>();
    for (const variant of variants) known.set(variant.name, new Set(segmentsOf(await playlistOf(variant, id)).map((s) => s.uri)));
    await camera.stop();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    camera = await startRtspCamera({ ...CAMERA, port });
    const t0 = performance.now();
    const times = await Promise.all(variants.map((variant) => untilNewRun(variant, id, known.get(variant.name)!, t0)));
    for (const [i, variant] of variants.entries()) results.get(variant.name)!.outage.push(times[i]!);
    await Promise.all(variants.map((variant) => stop(variant, id)));
  } finally {
    await camera.stop();
  }
}

/** The baseline commit in a temporary worktree that shares this tree's node_modules. */
async function baselineTree(commit: string): Promise<{ root: string; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'bench-baseline-'));
  execFileSync('git', ['worktree', 'add', '--detach', root, commit], { cwd: ROOT, stdio: 'ignore' });
  await symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return {
    root,
    remove: async () => {
      execFileSync('git', ['worktree', 'remove', '--force', root], { cwd: ROOT, stdio: 'ignore' });
      await rm(root, { recursive: true, force: true });
    },
  };
}

function row(name: string, seconds: number[]): string {
  const cells = [percentile(seconds, 50), percentile(seconds, 95), Math.min(...seconds), Math.max(...seconds)].map((s) => s.toFixed(2));
  return `| ${name} | ${seconds.length} | ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const trees = [{ name: 'this tree', root: ROOT, remove: async () => {} }];
  if (options.baseline) trees.push({ name: `baseline ${options.baseline}`, ...(await baselineTree(options.baseline)) });
  const variants: Variant[] = [];
  const camera = await startRtspCamera(CAMERA);
  try {
    for (const tree of trees) {
      const streamDir = await mkdtemp(path.join(os.tmpdir(), 'bench-recovery-'));
      const daemon = await startDaemonProcess({ STREAM_DIR: streamDir, LOG_LEVEL: 'info', RATE_LIMIT_MAX: '0' }, { root: tree.root });
      variants.push({ name: tree.name, daemon, streamDir });
    }
    const results = new Map<string, Results>(variants.map((variant) => [variant.name, { killed: [], outage: [] }]));
    for (let run = 0; run < RUNS; run++) {
      // Alternate which daemon goes first, so neither always restarts on a quieter machine.
      const order = run % 2 === 0 ? variants : [...variants].reverse();
      await killedFfmpeg(order, camera, run, results);
      await cameraOutage(order, run, results);
      process.stderr.write('.');
    }
    const lines = [
      '',
      `| FFmpeg killed (kill -9) → new segment listed | runs | p50 (s) | p95 (s) | min (s) | max (s) |`,
      '|---|---|---|---|---|---|',
      ...variants.map((variant) => row(variant.name, results.get(variant.name)!.killed)),
      '',
      `| camera back after ${OUTAGE_MS / 1000} s away → new segment listed | runs | p50 (s) | p95 (s) | min (s) | max (s) |`,
      '|---|---|---|---|---|---|',
      ...variants.map((variant) => row(variant.name, results.get(variant.name)!.outage)),
    ];
    console.log(lines.join('\n'));
    await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
    await writeFile(
      path.join(ROOT, 'bench/results/recovery.json'),
      JSON.stringify(
        { at: new Date().toISOString(), runs: RUNS, outageMs: OUTAGE_MS, camera: CAMERA, results: Object.fromEntries(results) },
        null,
        2,
      ),
    );
  } finally {
    for (const variant of variants) {
      variant.daemon.child.kill('SIGTERM'); // a graceful stop ends its FFmpeg processes too
      await variant.daemon.exited;
      await rm(variant.streamDir, { recursive: true, force: true });
      await rm(pidRecordDir(variant.streamDir), { recursive: true, force: true });
    }
    await camera.stop();
    for (const tree of trees) await tree.remove();
  }
}

await main();
