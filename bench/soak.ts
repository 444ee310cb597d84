/**
 * A soak: N remuxed streams of one camera for M minutes in a daemon run as `npm start` runs it,
 * sampled every interval: the daemon's RSS and heap, its open file descriptors, the FFmpeg
 * processes' memory (PSS), the event-loop lag p99 and the restarts so far. Flat is the goal: the
 * summary compares the first sample after warm-up with the last, and fits a slope per hour.
 * On demand, not in CI (it runs for half an hour by default).
 *
 * Usage: npm run bench:soak -- [--streams N (100)] [--minutes M (30)] [--every S (30)]
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pidRecordDir } from '../src/services.js';
import { startDaemonProcess } from '../test/support/daemon-process.js';
import { startRtspCamera } from '../test/support/rtsp-camera.js';
import { eventLoopP99Ms, streamProcesses } from './daemon-stats.js';
import { pssMiB, rssMiB } from './proc-stats.js';

const { values: options } = parseArgs({
  options: {
    streams: { type: 'string', default: '100' },
    minutes: { type: 'string', default: '30' },
    every: { type: 'string', default: '30' },
  },
});
const STREAMS = Number(options.streams);
const DURATION_MS = Number(options.minutes) * 60_000;
const EVERY_MS = Number(options.every) * 1000;

interface Sample {
  minute: number;
  daemonRssMiB: number;
  heapUsedMiB: number;
  fds: number;
  ffmpegPssMiB: number;
  lagP99Ms: number;
  restarts: number;
  running: number;
}

async function heapUsedMiB(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^stream_manager_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]) / 2 ** 20;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const camera = await startRtspCamera({ width: 640, height: 360, fps: 25, keyintSeconds: 1, shared: true });
  // In memory, as README advises for STREAM_DIR.
  const streamDir = await mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'bench-soak-'));
  const daemon = await startDaemonProcess({
    STREAM_DIR: streamDir,
    MAX_STREAMS: String(STREAMS),
    RATE_LIMIT_MAX: '0',
    LOG_REQUESTS: 'false',
    CLEANUP_DELAY_SECONDS: '3600',
  });
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < STREAMS; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, STREAMS - i) }, async (_, j) => {
          const response = await fetch(
            `${daemon.baseUrl}/api/stream/start?indicator_id=soak${i + j}&rtsp_link=${encodeURIComponent(camera.url)}`,
          );
          if (!response.ok) throw new Error(`start soak${i + j}: ${response.status} ${await response.text()}`);
        }),
      );
    }
    const startedAt = performance.now();
    await eventLoopP99Ms(daemon); // resets the histogram
    while (performance.now() - startedAt < DURATION_MS) {
      await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
      const streams = await streamProcesses(daemon);
      const pids = streams.flatMap((s) => (s.pid ? [s.pid] : []));
      const sample: Sample = {
        minute: (performance.now() - startedAt) / 60_000,
        daemonRssMiB: await rssMiB(daemon.child.pid!),
        heapUsedMiB: await heapUsedMiB(daemon.baseUrl),
        fds: (await readdir(`/proc/${daemon.child.pid}/fd`)).length,
        ffmpegPssMiB: (await Promise.all(pids.map(pssMiB))).reduce((a, b) => a + b, 0),
        lagP99Ms: await eventLoopP99Ms(daemon),
        restarts: streams.reduce((sum, s) => sum + s.restarts, 0),
        running: pids.length,
      };
      samples.push(sample);
      console.error(JSON.stringify(sample));
    }
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await camera.stop();
    await rm(streamDir, { recursive: true, force: true });
    await rm(pidRecordDir(streamDir), { recursive: true, force: true });
  }

  // The first samples are warm-up (JIT, buffers, the first segments cycling out): compared from the second on.
  const settled = samples.slice(1);
  const first = settled[0]!;
  const last = settled.at(-1)!;
  const perHour = (pick: (s: Sample) => number) =>
    slope(
      settled.map((s) => s.minute / 60),
      settled.map(pick),
    );
  const row = (title: string, pick: (s: Sample) => number, unit: string, digits = 1) =>
    `| ${title} | ${pick(first).toFixed(digits)} ${unit} | ${pick(last).toFixed(digits)} ${unit} | ${Math.max(...settled.map(pick)).toFixed(digits)} ${unit} | ${perHour(pick) >= 0 ? '+' : ''}${perHour(pick).toFixed(digits)} ${unit}/h |`;
  const markdown = [
    `## Soak: ${STREAMS} streams for ${Number(options.minutes)} minutes`,
    '',
    `Date: ${new Date().toISOString()} · Node ${process.version} · nproc ${os.cpus().length} · a sample every ${EVERY_MS / 1000} s, compared from minute ${first.minute.toFixed(1)} (warm-up before)`,
    '',
    '| measure | first | last | highest | slope |',
    '|---|---|---|---|---|',
    row('daemon RSS', (s) => s.daemonRssMiB, 'MiB'),
    row('daemon heap used', (s) => s.heapUsedMiB, 'MiB'),
    row('daemon file descriptors', (s) => s.fds, '', 0),
    row(`FFmpeg PSS (all ${STREAMS})`, (s) => s.ffmpegPssMiB, 'MiB'),
    row('event-loop lag p99 (per interval)', (s) => s.lagP99Ms, 'ms'),
    '',
    `FFmpeg restarts over the run: **${last.restarts}**; streams running at the end: ${last.running} of ${STREAMS}.`,
  ].join('\n');
  console.log(markdown);
  const results = new URL('./results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(new URL('soak.md', results), `${markdown}\n`);
}

await main();
