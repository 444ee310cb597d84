/**
 * Detection benchmark, in one run so machine noise lands on every variant alike:
 * 1. where an analysed frame's time goes (pipe read, pre-processing, model, post-processing),
 * 2. analysed frames per second with 1, 4 and 8 cameras,
 * 3. FFmpeg CPU with full vs keyframe-only decoding at DETECT_FPS=1.
 * Usage: npx tsx bench/detect.ts [--warmup S (10)] [--window S (25)] [--fps N (60: every frame of the 25 fps camera)]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log/logger.js';
import { createServices, pidRecordDir } from '../src/services.js';
import { writeModel } from '../test/support/onnx-models.js';
import { type RtspCamera, type RtspCameraOptions, startRtspCamera } from '../test/support/rtsp-camera.js';

const ASTRONAUT = fileURLToPath(new URL('../test/fixtures/media/astronaut.png', import.meta.url));
const CAMERA_COUNTS = [1, 4, 8];
/** Section 3's daemons; the HLS-only one is the floor that no decoding setting can go below. */
const CPU_VARIANTS: { id: string; name: string; env: Record<string, string> }[] = [
  { id: 'full', name: 'full decoding (DETECT_KEYFRAMES_ONLY=false)', env: { DETECT_FPS: '1', DETECT_KEYFRAMES_ONLY: 'false' } },
  { id: 'key', name: 'keyframes only (DETECT_KEYFRAMES_ONLY=true)', env: { DETECT_FPS: '1', DETECT_KEYFRAMES_ONLY: 'true' } },
  { id: 'hls', name: 'reference: no detection, HLS remux only', env: { DETECT_ENABLED: 'false' } },
];
const STAGES = ['read', 'pre', 'model', 'post'] as const;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

type Stages = Record<(typeof STAGES)[number], number>;
interface Detection {
  frames_in: number;
  inferred: number;
  dropped: number;
  fps: number;
  stage_ms: Stages | null;
}
interface Status {
  indicator_id: string;
  state: string;
  pid: number | null;
  restarts: number;
  detection: Detection | null;
}
interface Daemon {
  start(id: string, url: string): Promise<void>;
  stop(id: string): Promise<void>;
  streams(): Promise<Status[]>;
}

// Ctrl-C only aborts, so the finally blocks still stop apps and cameras and remove temp dirs.
const interrupted = new AbortController();
process.once('SIGINT', () => {
  console.error('\ninterrupted: cleaning up');
  process.exitCode = 130;
  interrupted.abort();
});
const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      interrupted.signal.removeEventListener('abort', done);
      resolve();
    }
    interrupted.signal.addEventListener('abort', done);
  });
const notes: string[] = []; // anything that could invalidate a number ends up under the tables

/** The real daemon in-process, detection on, sweeper off (nobody fetches the playlists here). */
async function withDaemon<T>(env: Record<string, string>, body: (daemon: Daemon) => Promise<T>): Promise<T> {
  const streamDir = await mkdtemp(path.join(os.tmpdir(), 'bench-detect-'));
  try {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      STREAM_DIR: streamDir,
      LOG_LEVEL: 'silent',
      DETECT_ENABLED: 'true',
      CLEANUP_DELAY_SECONDS: '86400',
      MAX_STREAMS: '16',
      ...env,
    });
    const app = await buildApp(config, await createServices(config, createLogger({ level: 'silent' })));
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const call = async (route: string, body?: object) => {
        const init = body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {};
        const response = await fetch(`${base}${route}`, init);
        const text = await response.text();
        if (response.status !== 200) throw new Error(`${route}: HTTP ${response.status} ${text}`);
        return JSON.parse(text) as unknown;
      };
      return await body({
        start: async (id, url) => void (await call('/api/stream/start', { indicator_id: id, rtsp_link: url })),
        stop: async (id) => void (await call('/api/stream/stop', { indicator_id: id }).catch(() => {})),
        streams: async () => ((await call('/api/streams')) as { streams: Status[] }).streams,
      });
    } finally {
      await app.close(); // stops every stream still running and the detector's worker
    }
  } finally {
    await rm(streamDir, { recursive: true, force: true });
    await rm(pidRecordDir(streamDir), { recursive: true, force: true });
  }
}

/** Several daemons at once, all closed however the body ends. */
function withDaemons<T>(envs: Record<string, string>[], body: (daemons: Daemon[]) => Promise<T>, open: Daemon[] = []): Promise<T> {
  if (open.length === envs.length) return body(open);
  return withDaemon(envs[open.length]!, (daemon) => withDaemons(envs, body, [...open, daemon]));
}

async function withCamera<T>(options: RtspCameraOptions, body: (camera: RtspCamera) => Promise<T>): Promise<T> {
  const camera = await startRtspCamera(options);
  try {
    return await body(camera);
  } finally {
    await camera.stop();
  }
}

/** Whole-machine CPU busy share between two /proc/stat readings: shows whether the cores were the limit. */
async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total }; // idle + iowait are the not-busy part
}

/** utime + stime of one process, in seconds (fields 14 and 15; the name in parentheses may hold spaces). */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // starts at field 3
  return (Number(after[11]) + Number(after[12])) / CLK_TCK;
}

/** The status gives cumulative means since the stream started; mean × count turns them back into totals. */
function totals(d: Detection | null) {
  const n = d?.inferred ?? 0;
  const stages = Object.fromEntries(STAGES.map((s) => [s, (d?.stage_ms?.[s] ?? 0) * n])) as Stages;
  return { inferred: n, framesIn: d?.frames_in ?? 0, dropped: d?.dropped ?? 0, stages };
}

/** Per stream: what happened between two readings. A restart mid-window is noted, not hidden. */
function delta(before: Status[], after: Status[]) {
  return after.map((a) => {
    const b = before.find((s) => s.indicator_id === a.indicator_id);
    if (!b || a.restarts !== b.restarts || a.state !== 'running')
      notes.push(`- ${a.indicator_id}: state ${a.state}, restarts ${b?.restarts}→${a.restarts} during the window`);
    const [t0, t1] = [totals(b?.detection ?? null), totals(a.detection)];
    const stages = Object.fromEntries(STAGES.map((s) => [s, t1.stages[s] - t0.stages[s]])) as Stages;
    return {
      id: a.indicator_id,
      inferred: t1.inferred - t0.inferred,
      framesIn: t1.framesIn - t0.framesIn,
      dropped: t1.dropped - t0.dropped,
      stages,
    };
  });
}

/** Two readings `windowMs` apart, after a warm-up, timed by the clock rather than trusted to sleep(). */
async function measureWindow<T>(daemons: Daemon[], warmupMs: number, windowMs: number, probe: () => Promise<T>) {
  await sleep(warmupMs);
  const [s0, p0, c0, t0] = [await Promise.all(daemons.map((d) => d.streams())), await probe(), await cpuTimes(), performance.now()];
  await sleep(windowMs);
  const [s1, p1, c1, t1] = [await Promise.all(daemons.map((d) => d.streams())), await probe(), await cpuTimes(), performance.now()];
  return {
    seconds: (t1 - t0) / 1000,
    before: s0.flat(),
    after: s1.flat(),
    probes: [p0, p1] as const,
    busy: (c1.busy - c0.busy) / (c1.total - c0.total),
  };
}

const f = (value: number, digits = 2) => value.toFixed(digits);

/** Sections 1 and 2: N streams of one shared camera in one daemon; each stream has its own FFmpeg and RTSP session. */
async function throughput(daemon: Daemon, camera: RtspCamera, n: number, warmupMs: number, windowMs: number) {
  const ids = Array.from({ length: n }, (_, i) => `n${n}_cam${i}`);
  try {
    await Promise.all(ids.map((id) => daemon.start(id, camera.url)));
    const w = await measureWindow([daemon], warmupMs, windowMs, async () => 0);
    const d = delta(w.before, w.after);
    const sum = (pick: (x: (typeof d)[number]) => number) => d.reduce((acc, x) => acc + pick(x), 0);
    const inferred = sum((x) => x.inferred);
    const stages = Object.fromEntries(STAGES.map((s) => [s, sum((x) => x.stages[s]) / inferred])) as Stages;
    const perCamera = d.map((x) => x.inferred / w.seconds);
    const outside = ((stages.read + stages.pre + stages.post) / stages.model) * 100;
    console.error(`  ${n} camera(s): ${f(inferred / w.seconds)} analysed fps, outside model ${f(outside, 1)}%`);
    return {
      // The worker runs pre, model and post back to back, so their sum bounds what one detector can analyse.
      stageRow:
        `| ${n} | ${inferred} | ${STAGES.map((s) => f(stages[s], 3)).join(' | ')} | ${f(outside, 1)} % | ` +
        `${f(1000 / (stages.pre + stages.model + stages.post), 0)} |`,
      fpsRow:
        `| ${n} | **${f(inferred / w.seconds)}** | ${f(inferred / w.seconds / n)} (${f(Math.min(...perCamera))}–${f(Math.max(...perCamera))}) | ` +
        `${f(sum((x) => x.framesIn) / w.seconds)} | ${sum((x) => x.dropped)} | ${f(w.busy * 100, 0)} % | ${f(w.seconds, 1)} |`,
      outside,
    };
  } finally {
    await Promise.all(ids.map((id) => daemon.stop(id)));
  }
}

/** Section 3: the same 720p camera in three daemons at once, differing only in how (or whether) FFmpeg decodes for detection. */
async function keyframeCpu(url: string, warmupMs: number, windowMs: number): Promise<string> {
  return withDaemons(
    CPU_VARIANTS.map((v) => v.env),
    async (daemons) => {
      await Promise.all(daemons.map((d, i) => d.start(CPU_VARIANTS[i]!.id, url)));
      const pids = async () => (await Promise.all(daemons.map((d) => d.streams()))).map(([s]) => s?.pid ?? 0);
      const before = await pids(); // the same pid at both ends, or the CPU delta would mix two processes
      const w = await measureWindow(daemons, warmupMs, windowMs, () => Promise.all(before.map(processCpuSeconds)));
      if ((await pids()).some((pid, i) => pid !== before[i]))
        notes.push('- section 3: an FFmpeg pid changed during the window; its CPU numbers are invalid');
      const d = delta(w.before, w.after);
      const cpu = before.map((_, i) => w.probes[1][i]! - w.probes[0][i]!);
      const rows = CPU_VARIANTS.map(
        (v, i) =>
          `| ${v.name} | ${f((cpu[i]! / w.seconds) * 60)} | ${f((cpu[i]! / w.seconds) * 100, 1)} % | ` +
          `${w.after[i]?.detection ? f(d[i]!.inferred / w.seconds) : '–'} |`,
      );
      const ratio = cpu[0]! / cpu[1]!;
      const aboveFloor = (cpu[0]! - cpu[2]!) / (cpu[1]! - cpu[2]!); // the part detection adds on top of HLS remuxing
      const keyFps = d[1]!.inferred / w.seconds;
      if (keyFps < 0.9)
        notes.push(
          `- keyframes only analysed ${f(keyFps)} fps, not 1: with 1 s keyframes the select filter's 1 s minimum ` +
            'gap skips every keyframe whose RTP timestamp lands a hair under 1 s after the last one picked.',
        );
      console.error(
        `  FFmpeg CPU over ${f(w.seconds, 1)} s: ${CPU_VARIANTS.map((v, i) => `${v.id} ${f(cpu[i]!)} s`).join(', ')}; full ÷ key ${f(ratio, 1)}×`,
      );
      return [
        '| FFmpeg | CPU (s per minute) | of one core | detection fps |',
        '|---|---|---|---|',
        ...rows,
        '',
        `Keyframe-only decoding is **${f(ratio, 1)}× cheaper** than full decoding (target ≥ 3×: ${ratio >= 3 ? 'met' : 'not met'}); ` +
          `counting only what each costs above the HLS-only floor, ${f(aboveFloor, 1)}×. Window ${f(w.seconds, 1)} s, whole machine ` +
          `${f(w.busy * 100, 0)} % busy.`,
      ].join('\n');
    },
  );
}

function machineInfo(): string {
  const ffmpeg = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0]!.split(' Copyright')[0];
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  // The code under test changes often; the commit (and whether src/ had local edits) says which version was measured.
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim()
    ? ' + uncommitted src/ changes'
    : '';
  return (
    `Date: ${new Date().toISOString()} · commit ${commit}${dirty} · Node ${process.version} · ${ffmpeg} · nproc ${nproc} · ` +
    `load average ${os
      .loadavg()
      .map((l) => f(l))
      .join(' ')}`
  );
}

async function main() {
  const { values } = parseArgs({ options: { warmup: { type: 'string' }, window: { type: 'string' }, fps: { type: 'string' } } });
  const [warmup, window, fps] = [Number(values.warmup ?? 10), Number(values.window ?? 25), Number(values.fps ?? 60)];
  if (!(warmup >= 0 && window >= 5 && fps > 0 && fps <= 60))
    throw new Error('--warmup ≥ 0, --window ≥ 5 and 0 < --fps ≤ 60 (seconds, frames per second)');
  const header = machineInfo(); // load average before the bench adds its own

  console.error(
    `Sections 1–2: BlazeFace, astronaut camera, DETECT_FPS=${fps}, ${CAMERA_COUNTS.join('/')} cameras, warm-up ${warmup} s, window ${window} s`,
  );
  const runs = await withCamera({ image: ASTRONAUT, width: 512, height: 512, shared: true }, (camera) =>
    withDaemon({ DETECT_FPS: String(fps) }, async (daemon) => {
      const out = [];
      for (const n of CAMERA_COUNTS)
        if (!interrupted.signal.aborted) out.push(await throughput(daemon, camera, n, warmup * 1000, window * 1000));
      return out;
    }),
  );
  if (interrupted.signal.aborted) return;
  // BlazeFace runs in 2–3 ms, so the fixed costs around it weigh heavily. A YOLO-class model costs far
  // more per frame: emulate one with a real 640×640 input, a real-size [1, 84, 8400] output (so
  // pre- and post-processing are real) and ~8.6 GFLOP of matrix products (about yolov8n's compute).
  console.error('Section 1b: YOLO-sized model (emulated), 1 camera, DETECT_FPS=5');
  const yoloModel = path.join(os.tmpdir(), `bench-yolo-${process.pid}.onnx`);
  const yolo = await (async () => {
    await writeModel(yoloModel, {
      width: 640,
      height: 640,
      outputDims: [1, 84, 8400],
      output: new Array(84 * 8400).fill(0),
      slowMatMuls: 4,
    });
    try {
      return await withCamera({ image: ASTRONAUT, width: 512, height: 512, shared: true }, (camera) =>
        withDaemon({ DETECT_FPS: '5', DETECT_MODEL: yoloModel }, (daemon) => throughput(daemon, camera, 1, warmup * 1000, window * 1000)),
      );
    } finally {
      await rm(yoloModel, { force: true });
    }
  })();
  if (interrupted.signal.aborted) return;
  console.error('Section 3: FFmpeg CPU, 1280x720 25 fps camera, DETECT_FPS=1, full vs keyframe-only decoding');
  // A moving picture: with the default ball on black, P-frames cost next to nothing to decode and full decoding looks cheap.
  const cpu = await withCamera({ width: 1280, height: 720, fps: 25, keyintSeconds: 1, shared: true, pattern: 'moving' }, (camera) =>
    keyframeCpu(camera.url, warmup * 1000, window * 1000),
  );
  if (interrupted.signal.aborted) return; // partial numbers would only mislead

  const markdown = [
    '## Detection benchmark',
    '',
    header,
    '',
    `Method: one in-process daemon (model \`models/blazeface-front-128.onnx\`, DETECT_THREADS=1, batch 1, DETECT_FPS=${fps}) and one ` +
      'shared GStreamer RTSP fixture looping `test/fixtures/media/astronaut.png` (512×512, 25 fps H.264, 1 s keyframes); N streams with ' +
      'different ids point at it, each with its own FFmpeg and RTSP session. Per N: start the streams, wait ' +
      `${warmup} s, read \`/api/streams\`, wait ${window} s, read again; every number below is the difference of the two readings ` +
      '(stage totals = mean × inferred), so start-up and warm-up are excluded.',
    '',
    '### 1. Time per analysed frame, by stage (mean ms)',
    '',
    'Same windows as table 2. "Worker ceiling" is 1000 ÷ (pre + model + post): the frames per second one detector worker ' +
      'could analyse if it did nothing else (read runs on the main thread).',
    '',
    '| cameras | frames | read | pre | model | post | (read + pre + post) ÷ model | worker ceiling (fps) |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map((r) => r.stageRow),
    yolo.stageRow.replace(/^\| 1 \|/, '| 1, YOLO-sized model (emulated, 640×640, DETECT_FPS=5) |'),
    '',
    `Outside the model with one camera: **${f(runs[0]?.outside ?? NaN, 1)} %** of model time with BlazeFace, ` +
      `**${f(yolo.outside, 1)} %** with a YOLO-sized model (target ≤ 10 %).`,
    '',
    '### 2. Throughput (analysed frames per second)',
    '',
    `FFmpeg's select filter passes frames at least 1/${fps} s apart: from a 25 fps camera that is at most ` +
      `${f(25 / Math.ceil(25 / fps - 1e-9), 1)} fps per camera. "Offered" is what reached the daemon, "dropped" the frames ` +
      'replaced by a newer one before the model got to them; "machine CPU busy" is both cores, from /proc/stat.',
    '',
    '| cameras | analysed fps | per camera: mean (min–max) | offered fps | dropped | machine CPU busy | window (s) |',
    '|---|---|---|---|---|---|---|',
    ...runs.map((r) => r.fpsRow),
    '',
    '### 3. FFmpeg CPU: full decoding vs keyframe-only decoding',
    '',
    'Method: one shared fixture camera (1280×720, 25 fps H.264, 1 s keyframes, a scrolling pattern so that every frame costs a real decode), three daemons running at the same time, one ' +
      'stream each, video copied to HLS: two with DETECT_FPS=1 differing only in DETECT_KEYFRAMES_ONLY (`-skip_frame nokey`), ' +
      'one without detection as the floor. ' +
      `CPU = utime + stime of each FFmpeg (/proc/<pid>/stat, CLK_TCK ${CLK_TCK}) over the same ${window} s window after ${warmup} s warm-up.`,
    '',
    cpu,
    ...(notes.length ? ['', '**Notes**', '', ...notes] : []),
    '',
  ].join('\n');
  console.log(markdown);
  const results = new URL('./results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(new URL('detect.md', results), markdown);
}

await main();
