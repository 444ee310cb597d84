/**
 * How many remuxed streams one node holds: streams of one camera are added in steps to a daemon
 * run as `npm start` runs it, and after each step, over a window, the bench checks that no FFmpeg
 * was restarted (watchdog or crash), that every stream's segments kept coming (no gap between two
 * new segments longer than 1.5× the segment duration) and that the daemon's event-loop lag p99
 * stayed within 20 ms; CPU (from /proc) and memory per stream are reported for every step. The
 * camera (the RTSP fixture, one shared encoder) runs on the same two cores.
 *
 * Usage: npm run bench:streams -- [--variant lowlatency|fmp4|mpegts (lowlatency)] [--step N (50)]
 *        [--max N (400)] [--seconds S (30)] [--cameras N (4)] [--nice N (the daemon's default)] [--stream-dir-on-disk]
 */
import { existsSync, type FSWatcher, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pidRecordDir } from '../src/services.js';
import { startDaemonProcess } from '../test/support/daemon-process.js';
import { startRtspCamera } from '../test/support/rtsp-camera.js';
import { eventLoopP99Ms, streamProcesses } from './daemon-stats.js';
import { cpuSeconds, pssMiB, rssMiB } from './proc-stats.js';

const { values: options } = parseArgs({
  options: {
    variant: { type: 'string', default: 'lowlatency' },
    step: { type: 'string', default: '50' },
    max: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '30' },
    cameras: { type: 'string', default: '4' },
    nice: { type: 'string' },
    'stream-dir-on-disk': { type: 'boolean', default: false },
  },
});
const VARIANT = options.variant as 'lowlatency' | 'fmp4' | 'mpegts';
const STEP = Number(options.step);
const MAX = Number(options.max);
const WINDOW_MS = Number(options.seconds) * 1000;
const CAMERAS = Number(options.cameras);
const SEGMENT_SECONDS = 1;
const LATE_RATIO = 1.5;
const LAG_LIMIT_MS = 20;
const SEGMENT = /^seg_(\d+)\.(m4s|ts)$/;

interface Step {
  streams: number;
  daemonCpu: number;
  ffmpegCpu: number;
  cameraCpu: number;
  daemonRssMiB: number;
  ffmpegPssMiB: number;
  lagP99Ms: number;
  restarts: number;
  worstGapRatio: number;
  lateSegments: number;
  segments: number;
  pass: boolean;
}

/**
 * The cameras stand for machines of their own: every thread of the fixture (GStreamer starts some
 * per session) goes to the lowest CPU priority, so that they take what the node leaves.
 */
async function yieldToNode(pid: number): Promise<void> {
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    try {
      os.setPriority(Number(tid), 19);
    } catch {
      // a thread that just ended
    }
  }
}

/** When each new segment of a stream appeared in its folder (by the bench's clock). */
function watchSegments(dir: string): { arrivals: number[]; watcher: FSWatcher } {
  const arrivals: number[] = [];
  const seen = new Set<string>();
  const watcher = watch(dir, (_event, name) => {
    if (!name || seen.has(name) || !SEGMENT.test(name)) return;
    seen.add(name);
    arrivals.push(performance.now());
  });
  return { arrivals, watcher };
}

async function main(): Promise<void> {
  // Several cameras, each encoding once for all its sessions: real cameras' frames and keyframes do
  // not arrive in step, and one camera for every stream would make all FFmpeg processes busy at once.
  const cameras = await Promise.all(
    Array.from({ length: CAMERAS }, () =>
      startRtspCamera({ width: 640, height: 360, fps: 25, keyintSeconds: SEGMENT_SECONDS, shared: true }),
    ),
  );
  // STREAM_DIR in memory, as README advises: on this machine's ext4 disk, the filesystem's stalls reach
  // the daemon's event loop (lag p99 55 ms instead of 16 ms at 100 streams, measured).
  const onDisk = options['stream-dir-on-disk'] || !existsSync('/dev/shm');
  const streamDir = await mkdtemp(path.join(onDisk ? os.tmpdir() : '/dev/shm', 'bench-streams-'));
  const daemon = await startDaemonProcess({
    STREAM_DIR: streamDir,
    HLS_VARIANT: VARIANT,
    HLS_SEGMENT_TIME: String(SEGMENT_SECONDS),
    MAX_STREAMS: String(MAX),
    RATE_LIMIT_MAX: '0',
    LOG_REQUESTS: 'false',
    CLEANUP_DELAY_SECONDS: '3600',
    ...(options.nice === undefined ? {} : { FFMPEG_NICE: options.nice }),
  });
  const watched = new Map<string, ReturnType<typeof watchSegments>>();
  const steps: Step[] = [];
  try {
    for (let target = STEP; target <= MAX; target += STEP) {
      const ids = Array.from({ length: STEP }, (_, i) => `s${target - STEP + i}`);
      // Eight starts at a time, as a busy backend might send them.
      for (let i = 0; i < ids.length; i += 8) {
        await Promise.all(
          ids.slice(i, i + 8).map(async (id) => {
            const camera = cameras[Number(id.slice(1)) % cameras.length]!;
            const response = await fetch(
              `${daemon.baseUrl}/api/stream/start?indicator_id=${id}&rtsp_link=${encodeURIComponent(camera.url)}`,
            );
            if (!response.ok) throw new Error(`start ${id}: ${response.status} ${await response.text()}`);
            watched.set(id, watchSegments(path.join(streamDir, id)));
          }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5000)); // the new streams past their first seconds
      for (const camera of cameras) await yieldToNode(camera.pid);

      const before = await streamProcesses(daemon);
      const pids = before.flatMap((s) => (s.pid ? [s.pid] : []));
      const sample = async () => ({
        daemon: await cpuSeconds(daemon.child.pid!),
        ffmpeg: (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0),
        camera: (await Promise.all(cameras.map((camera) => cpuSeconds(camera.pid)))).reduce((a, b) => a + b, 0),
        at: performance.now(),
      });
      await eventLoopP99Ms(daemon); // resets the histogram
      const start = await sample();
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
      const end = await sample();
      const lagP99Ms = await eventLoopP99Ms(daemon);
      const after = await streamProcesses(daemon);
      const seconds = (end.at - start.at) / 1000;

      // Gaps between new segments in the window: from the last one before it, and up to its end
      // (a stream that stopped producing shows as one long gap).
      let worstGapRatio = 0;
      let lateSegments = 0;
      let segments = 0;
      for (const { arrivals } of watched.values()) {
        const inWindow = arrivals.filter((t) => t > start.at && t <= end.at);
        const points = [arrivals.filter((t) => t <= start.at).at(-1) ?? start.at, ...inWindow, end.at];
        segments += inWindow.length;
        for (let i = 1; i < points.length; i++) {
          const ratio = (points[i]! - points[i - 1]!) / 1000 / SEGMENT_SECONDS;
          worstGapRatio = Math.max(worstGapRatio, ratio);
          if (ratio > LATE_RATIO) lateSegments += 1;
        }
      }
      const restarts = after.reduce((sum, s) => sum + s.restarts, 0) - before.reduce((sum, s) => sum + s.restarts, 0);
      const step: Step = {
        streams: target,
        daemonCpu: (end.daemon - start.daemon) / seconds,
        ffmpegCpu: (end.ffmpeg - start.ffmpeg) / seconds,
        cameraCpu: (end.camera - start.camera) / seconds,
        daemonRssMiB: await rssMiB(daemon.child.pid!),
        ffmpegPssMiB: (await Promise.all(pids.map(pssMiB))).reduce((a, b) => a + b, 0) / pids.length,
        lagP99Ms,
        restarts,
        worstGapRatio,
        lateSegments,
        segments,
        pass: restarts === 0 && worstGapRatio <= LATE_RATIO && lagP99Ms <= LAG_LIMIT_MS && pids.length === target,
      };
      steps.push(step);
      console.error(JSON.stringify(step));
      if (!step.pass) break;
    }
  } finally {
    for (const { watcher } of watched.values()) watcher.close();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await Promise.all(cameras.map((camera) => camera.stop()));
    await rm(streamDir, { recursive: true, force: true });
    await rm(pidRecordDir(streamDir), { recursive: true, force: true });
  }

  const pct = (cores: number) => `${(cores * 100).toFixed(0)} %`;
  const held = steps.filter((s) => s.pass).at(-1)?.streams ?? 0;
  const markdown = [
    `## Streams per node: HLS_VARIANT=${VARIANT}`,
    '',
    `Date: ${new Date().toISOString()} · Node ${process.version} · nproc ${os.cpus().length} · ${SEGMENT_SECONDS} s segments of ${CAMERAS} cameras (640×360, 25 fps, one encoder each, the streams spread over them) · ${WINDOW_MS / 1000} s windows · FFMPEG_NICE ${options.nice ?? 'default'} · STREAM_DIR ${onDisk ? 'on disk (ext4)' : 'in memory (tmpfs)'}`,
    '',
    '| streams | daemon CPU | FFmpeg CPU (all) | per stream (both) | cameras’ CPU | daemon RSS | FFmpeg PSS per stream | event-loop lag p99 | restarts | worst segment gap | late segments | held |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...steps.map(
      (s) =>
        `| ${s.streams} | ${pct(s.daemonCpu)} | ${pct(s.ffmpegCpu)} | ${((100 * (s.daemonCpu + s.ffmpegCpu)) / s.streams).toFixed(2)} % | ${pct(s.cameraCpu)} | ${s.daemonRssMiB.toFixed(0)} MiB | ${s.ffmpegPssMiB.toFixed(1)} MiB | ${s.lagP99Ms.toFixed(1)} ms | ${s.restarts} | ${s.worstGapRatio.toFixed(2)}× | ${s.lateSegments} of ${s.segments} | ${s.pass ? 'yes' : '**no**'} |`,
    ),
    '',
    `Held: **${held}** streams (no restart, no segment gap over ${LATE_RATIO}×, event-loop lag p99 ≤ ${LAG_LIMIT_MS} ms).`,
  ].join('\n');
  console.log(markdown);
  const results = new URL('./results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(new URL(`streams-per-node-${VARIANT}${onDisk ? '-disk' : ''}.md`, results), `${markdown}\n`);
}

await main();
