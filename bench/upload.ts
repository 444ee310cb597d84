/**
 * The hand-off to S3 against a real S3-protocol server (s3rver, in a child process): how fast
 * finished segments go up, and what a 60-second outage of the server does to the queue, with
 * the daemon's own catalogue, durable queue and S3 target.
 *
 * 1. Throughput: a backlog of segments of one size, uploaded in order from a standing start.
 * 2. Outage: the server is stopped while one segment a second arrives (60 cameras cutting
 *    1-minute segments), then started again: how long until the first upload, how long until
 *    the queue is empty, and whether every segment arrived.
 *
 * Usage: npm run bench:upload -- [--segments N (30)] [--mib M (8)] [--outage S (60)]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Handoff } from '../src/handoff/handoff.js';
import { createS3Target } from '../src/handoff/s3-target.js';
import { RecordingCatalogue } from '../src/recording/catalogue.js';
import { recordedName } from '../src/recording/layout.js';
import { S3_CREDENTIALS, startS3Server } from '../test/support/s3-server.js';
import { waitFor } from '../test/support/wait-for.js';

const { values: options } = parseArgs({
  options: {
    segments: { type: 'string', default: '30' },
    mib: { type: 'string', default: '8' },
    outage: { type: 'string', default: '60' },
  },
});
const SEGMENTS = Number(options.segments);
const SEGMENT_BYTES = Number(options.mib) * 1024 * 1024;
const OUTAGE_SECONDS = Number(options.outage);
const OUTAGE_SEGMENT_BYTES = 2 * 1024 * 1024;
/** UPLOAD_RETRY_MAX_SECONDS's default. */
const RETRY_MAX_MS = 60_000;

const log = pino({ level: 'silent' });
const root = await mkdtemp(path.join(os.tmpdir(), 'sm-bench-upload-'));
const s3 = await startS3Server();
const catalogue = new RecordingCatalogue({ root, probe: async () => undefined, log });
await catalogue.load();
const target = createS3Target({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  bucket: s3.bucket,
  prefix: 'bench',
  credentials: S3_CREDENTIALS,
  forcePathStyle: true,
});
const handoff = new Handoff({
  dir: path.join(root, '.handoff'),
  root,
  catalogue,
  s3: { target, prefix: 'bench' },
  webhook: undefined,
  deleteLocal: false,
  queueMax: 10_000,
  retry: { initialMs: 1000, maxMs: RETRY_MAX_MS },
  log,
});
await handoff.start();

let second = 0;
const body = randomBytes(SEGMENT_BYTES);
/** A finished segment of `bytes` on disk and in the catalogue, one second after the last. */
async function segment(bytes: number) {
  const at = new Date(Date.UTC(2026, 11, 3, 0, 0, second++));
  const name = recordedName(at);
  await mkdir(path.join(root, 'cam', name.slice(0, 10)), { recursive: true });
  await writeFile(path.join(root, 'cam', name), body.subarray(0, bytes));
  const recorded = { name, start: at.getTime(), duration: 60, bytes };
  await catalogue.add('cam', recorded);
  return recorded;
}
const uploadedCount = () => catalogue.segments('cam').filter((s) => s.upload === 'uploaded').length;

try {
  // 1. Throughput.
  const backlog = [];
  for (let i = 0; i < SEGMENTS; i++) backlog.push(await segment(SEGMENT_BYTES));
  const t0 = performance.now();
  for (const recorded of backlog) await handoff.add('cam', recorded);
  await waitFor(() => handoff.depth() === 0 || undefined, { timeoutMs: 600_000, intervalMs: 20, what: 'the backlog uploaded' });
  const seconds = (performance.now() - t0) / 1000;
  const mib = (SEGMENTS * SEGMENT_BYTES) / 1024 / 1024;

  // 2. Outage.
  await s3.stop();
  const before = uploadedCount();
  const downAt = performance.now();
  let arrived = 0;
  while (performance.now() - downAt < OUTAGE_SECONDS * 1000) {
    await handoff.add('cam', await segment(OUTAGE_SEGMENT_BYTES));
    arrived += 1;
    await new Promise((resolve) => setTimeout(resolve, 1000 - ((performance.now() - downAt) % 1000)));
  }
  const queuedAtRestart = handoff.depth();
  await s3.restart();
  const upAt = performance.now();
  await waitFor(() => uploadedCount() > before || undefined, {
    timeoutMs: 120_000,
    intervalMs: 20,
    what: 'the first upload after the outage',
  });
  const firstMs = performance.now() - upAt;
  await waitFor(() => handoff.depth() === 0 || undefined, { timeoutMs: 600_000, intervalMs: 20, what: 'the queue to drain' });
  const drainMs = performance.now() - upAt;
  const keys = await s3.keys();

  console.log(`\nhand-off to s3rver ${process.version}, ${os.cpus().length} cores\n`);
  console.log('| phase | segments | result |');
  console.log('|---|---:|---|');
  console.log(
    `| backlog of ${options.mib} MiB segments | ${SEGMENTS} | ${(mib / seconds).toFixed(1)} MiB/s, ${(SEGMENTS / seconds).toFixed(1)} segments/s |`,
  );
  console.log(
    `| ${OUTAGE_SECONDS} s outage, one 2 MiB segment a second | ${arrived} | queued at restart ${queuedAtRestart}; first upload ${(firstMs / 1000).toFixed(1)} s after the server is back; empty after ${(drainMs / 1000).toFixed(1)} s; ${keys.length - SEGMENTS - arrived === 0 ? 'none lost' : `${SEGMENTS + arrived - keys.length} missing`} |`,
  );
} finally {
  await handoff.close();
  target.close();
  await s3.close();
  await rm(root, { recursive: true, force: true });
}
