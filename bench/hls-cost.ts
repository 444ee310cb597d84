/**
 * What each HLS variant costs per stream: 50 streams of one camera in a daemon run as
 * `npm start` runs it, CPU of the daemon and of its FFmpeg processes (from /proc), for
 * HLS_VARIANT=lowlatency and mpegts in turn; then, with the low-latency streams, 100
 * viewers doing blocking reloads and hinted-part fetches as hls.js does, and the daemon's
 * event-loop lag (p99, from its own /metrics) meanwhile.
 *
 * Usage: npm run bench:hls-cost -- [--streams N (50)] [--viewers V (100)] [--seconds S (20)]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pidRecordDir } from '../src/services.js';
import { startDaemonProcess } from '../test/support/daemon-process.js';
import { startRtspCamera } from '../test/support/rtsp-camera.js';
import { eventLoopP99Ms, ffmpegPids } from './daemon-stats.js';
import { cpuSeconds, rssMiB } from './proc-stats.js';

const { values: options } = parseArgs({
  options: {
    streams: { type: 'string', default: '50' },
    viewers: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
  },
});
const STREAMS = Number(options.streams);
const VIEWERS = Number(options.viewers);
const WINDOW_MS = Number(options.seconds) * 1000;
/**
 * A GET on a kept-alive connection: the viewers share the machine's two cores with the daemon,
 * so they use node:http, which costs a fraction of what fetch does per request.
 */
function get(agent: http.Agent, url: string): Promise<{ status: number; body: Buffer } | undefined> {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        response.on('error', () => resolve(undefined));
      })
      .on('error', () => resolve(undefined));
  });
}

/** One viewer as hls.js in low-latency mode: a blocking reload for the next part, and the hinted part, again and again. */
async function viewer(base: string, id: string, until: number, counts: { requests: number; errors: number }): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 }); // a browser's connections to one host, in effect
  let query = '';
  while (Date.now() < until) {
    const response = await get(agent, `${base}/streams/${id}/stream.m3u8${query}`);
    counts.requests += 1;
    if (response?.status !== 200) {
      counts.errors += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    const text = response.body.toString('utf8');
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]);
    const tail = text.slice(text.lastIndexOf('#EXTINF'));
    const lastMsn = msn + (text.match(/^#EXTINF/gm)?.length ?? 0);
    const partsInOpen = (tail.match(/^#EXT-X-PART:/gm) ?? []).length;
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1];
    if (hint) {
      const part = await get(agent, `${base}/streams/${id}/${hint}`);
      counts.requests += 1;
      if (part?.status !== 200) counts.errors += 1;
    }
    query = `?_HLS_msn=${lastMsn}&_HLS_part=${partsInOpen}`;
  }
  agent.destroy();
}

async function measure(variant: 'lowlatency' | 'mpegts', cameraUrl: string) {
  const streamDir = await mkdtemp(path.join(os.tmpdir(), 'bench-cost-'));
  const daemon = await startDaemonProcess({
    STREAM_DIR: streamDir,
    HLS_VARIANT: variant,
    MAX_STREAMS: String(STREAMS + 10),
    RATE_LIMIT_MAX: '0',
    CLEANUP_DELAY_SECONDS: '3600',
  });
  try {
    const ids = Array.from({ length: STREAMS }, (_, i) => `cost${i}`);
    for (const id of ids) {
      const response = await fetch(`${daemon.baseUrl}/api/stream/start?indicator_id=${id}&rtsp_link=${encodeURIComponent(cameraUrl)}`);
      if (!response.ok) throw new Error(`${variant}: start ${id}: ${response.status} ${await response.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5000)); // every stream past its first seconds
    const pids = await ffmpegPids(daemon);
    if (pids.length !== STREAMS) throw new Error(`${variant}: ${pids.length} FFmpeg processes for ${STREAMS} streams`);
    const sample = async () => ({
      daemon: await cpuSeconds(daemon.child.pid!),
      ffmpeg: (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0),
      at: performance.now(),
    });
    await eventLoopP99Ms(daemon); // resets the histogram
    const before = await sample();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const after = await sample();
    const idleLag = await eventLoopP99Ms(daemon);
    const seconds = (after.at - before.at) / 1000;
    const result = {
      variant,
      daemonPerStream: (after.daemon - before.daemon) / seconds / STREAMS,
      ffmpegPerStream: (after.ffmpeg - before.ffmpeg) / seconds / STREAMS,
      daemonRssMiB: await rssMiB(daemon.child.pid!),
      ffmpegRssMiB: (await Promise.all(pids.map(rssMiB))).reduce((a, b) => a + b, 0) / STREAMS,
      idleLagP99Ms: idleLag,
      viewers: undefined as undefined | { lagP99Ms: number; requestsPerSecond: number; errors: number; daemonCpu: number },
    };
    if (variant === 'lowlatency' && VIEWERS > 0) {
      const counts = { requests: 0, errors: 0 };
      const until = Date.now() + WINDOW_MS;
      await eventLoopP99Ms(daemon);
      const start = await sample();
      await Promise.all(Array.from({ length: VIEWERS }, (_, i) => viewer(daemon.baseUrl, ids[i % ids.length]!, until, counts)));
      const end = await sample();
      const loadSeconds = (end.at - start.at) / 1000;
      result.viewers = {
        lagP99Ms: await eventLoopP99Ms(daemon),
        requestsPerSecond: counts.requests / loadSeconds,
        errors: counts.errors,
        daemonCpu: (end.daemon - start.daemon) / loadSeconds,
      };
    }
    return result;
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await rm(streamDir, { recursive: true, force: true });
    await rm(pidRecordDir(streamDir), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // One encoder shared by every session (like a real camera), so the fixture's own CPU stays small.
  const camera = await startRtspCamera({ width: 640, height: 360, fps: 25, keyintSeconds: 1, shared: true });
  try {
    const results = [];
    for (const variant of ['lowlatency', 'mpegts'] as const) results.push(await measure(variant, camera.url));
    const pct = (cores: number) => `${(cores * 100).toFixed(2)} %`;
    console.log(
      [
        '',
        `| variant (${STREAMS} streams) | FFmpeg CPU per stream | daemon CPU per stream | together | FFmpeg RSS per stream | daemon RSS | event-loop lag p99 |`,
        '|---|---|---|---|---|---|---|',
        ...results.map(
          (r) =>
            `| ${r.variant} | ${pct(r.ffmpegPerStream)} | ${pct(r.daemonPerStream)} | ${pct(r.ffmpegPerStream + r.daemonPerStream)} | ${r.ffmpegRssMiB.toFixed(1)} MiB | ${r.daemonRssMiB.toFixed(0)} MiB | ${r.idleLagP99Ms.toFixed(1)} ms |`,
        ),
        '',
        ...results.flatMap((r) =>
          r.viewers
            ? [
                `With ${VIEWERS} low-latency viewers on those streams: ${r.viewers.requestsPerSecond.toFixed(0)} requests/s (blocking reloads and hinted parts), ` +
                  `${r.viewers.errors} errors, daemon CPU ${pct(r.viewers.daemonCpu)} of a core, event-loop lag p99 ${r.viewers.lagP99Ms.toFixed(1)} ms.`,
              ]
            : [],
        ),
      ].join('\n'),
    );
  } finally {
    await camera.stop();
  }
}

await main();
