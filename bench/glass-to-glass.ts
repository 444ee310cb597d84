/**
 * Glass-to-glass latency: a camera that writes the wall-clock time into every frame
 * (the RTSP fixture's clock pattern), Debian's Chromium playing it with hls.js through
 * the player page, and each rendered frame's stamp compared with the browser's clock.
 * HLS_VARIANT=lowlatency and mpegts side by side, interleaved rounds, plus FFmpeg reading
 * the camera directly (the floor: RTSP, decode, no HLS at all).
 *
 * Usage: npm run bench:glass -- [--rounds N (3)] [--seconds S (20)]
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from '../test/support/chromium.js';
import { msBehind, readClockStamp } from '../test/support/clock-code.js';
import { glassReadings, measureGlassToGlass } from '../test/support/glass-to-glass.js';
import { type RtspCamera, startRtspCamera } from '../test/support/rtsp-camera.js';
import { startTestApp } from '../test/support/test-app.js';
import { waitFor } from '../test/support/wait-for.js';
import { percentile } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CAMERA = { pattern: 'clock', width: 960, height: 540, fps: 25, keyintSeconds: 1 } as const;
/** The first seconds of each round (hls.js finding the live edge) are not counted. */
const SETTLE_MS = 3000;

const { values: options } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '20' } },
});
const ROUNDS = Number(options.rounds);
const WATCH_MS = Number(options.seconds) * 1000;

type Variant = 'lowlatency' | 'mpegts';

async function throughPlayer(camera: RtspCamera, variant: Variant, round: number): Promise<{ behind: number[]; stalls: number }> {
  const app = await startTestApp({ HLS_VARIANT: variant, LOG_LEVEL: 'warn' });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await measureGlassToGlass(page);
    await page.goto(`${app.baseUrl}/player?indicator_id=glass${round}&rtsp_link=${encodeURIComponent(camera.url)}`);
    const first = await waitFor(async () => (await glassReadings(page)).samples[0]?.at, { timeoutMs: 20_000, what: 'a stamped frame' });
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + WATCH_MS));
    const { samples, stalls } = await glassReadings(page);
    const from = first + SETTLE_MS;
    return { behind: samples.filter((s) => s.at >= from).map((s) => s.behindMs), stalls: stalls.filter((at) => at >= from).length };
  } finally {
    await browser.close();
    await app.close();
  }
}

/** FFmpeg decoding the camera itself, each frame's stamp read as it leaves the decoder. */
async function ffmpegDirect(camera: RtspCamera): Promise<{ behind: number[]; stalls: number }> {
  const { width, height } = CAMERA;
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-fflags',
      'nobuffer',
      '-flags',
      'low_delay',
      '-rtsp_transport',
      'tcp',
      '-i',
      camera.url,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      'pipe:1',
    ],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const frameSize = width * height;
  let pending = Buffer.alloc(0);
  const behind: number[] = [];
  const startedAt = Date.now();
  child.stdout.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= frameSize) {
      const frame = pending.subarray(0, frameSize);
      pending = pending.subarray(frameSize);
      const now = Date.now();
      const stamp = readClockStamp((x, y) => frame[Math.floor(y) * width + Math.floor(x)]!);
      if (stamp !== undefined && now - startedAt > SETTLE_MS) behind.push(msBehind(stamp, now));
    }
  });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + WATCH_MS));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return { behind, stalls: 0 };
}

function row(name: string, runs: Array<{ behind: number[]; stalls: number }>): string {
  const all = runs.flatMap((run) => run.behind);
  const p50s = runs.map((run) => percentile(run.behind, 50));
  const cells = [percentile(all, 50), percentile(all, 95), Math.min(...p50s), Math.max(...p50s)].map((ms) => (ms / 1000).toFixed(2));
  return `| ${name} | ${runs.length} | ${all.length} | ${cells.join(' | ')} | ${runs.reduce((sum, run) => sum + run.stalls, 0)} |`;
}

async function main(): Promise<void> {
  const camera = await startRtspCamera(CAMERA);
  const results: Record<string, Array<{ behind: number[]; stalls: number }>> = {
    lowlatency: [],
    mpegts: [],
    'FFmpeg reading the camera': [],
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order: Variant[] = round % 2 === 0 ? ['lowlatency', 'mpegts'] : ['mpegts', 'lowlatency'];
      for (const variant of order) results[variant]!.push(await throughPlayer(camera, variant, round));
      results['FFmpeg reading the camera']!.push(await ffmpegDirect(camera));
      process.stderr.write('.');
    }
  } finally {
    await camera.stop();
  }
  console.log(
    [
      '',
      '| path | rounds | frames | p50 (s) | p95 (s) | best round p50 (s) | worst round p50 (s) | stalls |',
      '|---|---|---|---|---|---|---|---|',
      row('**lowlatency** (hls.js, player page)', results.lowlatency!),
      row('mpegts (hls.js, player page)', results.mpegts!),
      row('FFmpeg reading the camera (no HLS)', results['FFmpeg reading the camera']!),
    ].join('\n'),
  );
  await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, runs]) => [
      name,
      runs.map((run) => ({ p50: percentile(run.behind, 50), frames: run.behind.length, stalls: run.stalls })),
    ]),
  );
  await writeFile(
    path.join(ROOT, 'bench/results/glass-to-glass.json'),
    JSON.stringify({ at: new Date().toISOString(), camera: CAMERA, summary }, null, 2),
  );
}

await main();
