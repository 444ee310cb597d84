/**
 * What signed playback costs a segment request: the same segment fetched over and over
 * (keep-alive, fixed concurrency) through Nginx and from the daemon itself, with playback
 * open and with playback signed, and through Nginx with the playback-check cache turned off.
 * Rounds of every variant are interleaved, so the machine's noise falls on all of them alike.
 * Usage: npx tsx bench/playback-auth.ts [--rounds N (3)] [--seconds S (3)] [--concurrency C (16)]   (npm run bench:playback)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { type RunningNginx, startNginxFor } from '../test/support/nginx.js';
import { startRtspCamera } from '../test/support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../test/support/test-app.js';

const API_TOKEN = 'bench-api-token-0123456789';
const ID = 'bench';

interface Variant {
  title: string;
  url: string;
}
interface Tally {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  failures: number;
}

/** autocannon: keep-alive connections, one request in flight on each. */
async function hammer(url: string, seconds: number, connections: number): Promise<Tally> {
  const result = await autocannon({ url, connections, duration: seconds });
  return {
    requests: result['2xx'],
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors,
  };
}

async function main() {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, seconds: { type: 'string' }, concurrency: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 3);
  const seconds = Number(values.seconds ?? 3);
  const concurrency = Number(values.concurrency ?? 16);
  const camera = await startRtspCamera({ width: 640, height: 360 });
  const apps: TestApp[] = [];
  const proxies: RunningNginx[] = [];
  try {
    // A long playlist, so that the segment fetched stays on disk for the whole run.
    const env = { HLS_LIST_SIZE: '100', CLEANUP_DELAY_SECONDS: '3600', LOG_LEVEL: 'warn', API_TOKEN };
    const open = await startTestApp(env);
    const signed = await startTestApp({ ...env, PLAYBACK_SECRET: 'bench-playback-secret-0123456789abcdef' });
    apps.push(open, signed);
    const [nginxOpen, nginxSigned, nginxUncached] = await Promise.all([
      startNginxFor(open),
      startNginxFor(signed),
      startNginxFor(signed, (conf) => conf.replace('proxy_cache playback_auth;', 'proxy_cache off;')),
    ]);
    proxies.push(nginxOpen, nginxSigned, nginxUncached);

    const segmentOf = async (t: TestApp) => {
      const started = await fetch(`${t.baseUrl}/api/stream/start?indicator_id=${ID}&rtsp_link=${encodeURIComponent(camera.url)}`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      const { stream_path } = (await started.json()) as { stream_path: string };
      const playlist = await (await fetch(`${t.baseUrl}${stream_path}`)).text();
      return playlist.split('\n').find((line) => line.includes('.ts'))!; // carries the token when signed
    };
    const [openSegment, signedSegment] = await Promise.all([segmentOf(open), segmentOf(signed)]);
    const variants: Variant[] = [
      { title: 'Nginx, playback open', url: `${nginxOpen.baseUrl}/streams/${ID}/${openSegment}` },
      { title: 'Nginx, playback signed (auth_request, cached 5 s)', url: `${nginxSigned.baseUrl}/streams/${ID}/${signedSegment}` },
      { title: 'Nginx, playback signed, check cache off', url: `${nginxUncached.baseUrl}/streams/${ID}/${signedSegment}` },
      { title: 'daemon itself, playback open', url: `${open.baseUrl}/streams/${ID}/${openSegment}` },
      { title: 'daemon itself, playback signed', url: `${signed.baseUrl}/streams/${ID}/${signedSegment}` },
    ];
    const bytes = (await (await fetch(variants[0]!.url)).arrayBuffer()).byteLength;
    // One short round of each first, unmeasured: caches, JIT and connection pools warm up alike.
    for (const variant of variants) await hammer(variant.url, 1, concurrency);
    const tallies = variants.map(() => [] as Tally[]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, variant] of variants.entries()) {
        console.error(`round ${round + 1}/${rounds}: ${variant.title}`);
        tallies[i]!.push(await hammer(variant.url, seconds, concurrency));
      }
    }

    // Rates over all rounds; latencies as the median of the rounds' percentiles.
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const rows = variants.map((variant, i) => {
      const all = tallies[i]!;
      const rate = all.reduce((sum, t) => sum + t.requests, 0) / all.reduce((sum, t) => sum + t.seconds, 0);
      return {
        title: variant.title,
        rate,
        p50: median(all.map((t) => t.p50)),
        p99: median(all.map((t) => t.p99)),
        failures: all.reduce((sum, t) => sum + t.failures, 0),
      };
    });
    const base = (title: string) => rows.find((row) => row.title.startsWith(title))!.rate;
    const markdown = [
      '## Signed playback: segment requests per second',
      '',
      `Date: ${new Date().toISOString()} · Node ${process.version} · ${spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '')} · nproc ${execFileSync('nproc', { encoding: 'utf8' }).trim()}`,
      '',
      `One ${Math.round(bytes / 1024)} KiB segment fetched by autocannon over ${concurrency} keep-alive connections for ${seconds} s, ${rounds} interleaved rounds per variant after a warm-up round (load generator, Nginx and daemon share the machine's cores).`,
      '',
      '| variant | requests/s | vs. open | p50 (ms) | p99 (ms) | non-200 |',
      '|---|---|---|---|---|---|',
      ...rows.map((row) => {
        const open = base(row.title.startsWith('Nginx') ? 'Nginx, playback open' : 'daemon itself, playback open');
        return `| ${row.title} | ${Math.round(row.rate)} | ${(row.rate / open).toFixed(2)}× | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.failures} |`;
      }),
    ].join('\n');
    console.log(markdown);
    const results = new URL('./results/', import.meta.url);
    await mkdir(results, { recursive: true });
    await writeFile(new URL('playback-auth.md', results), `${markdown}\n`);
  } finally {
    await Promise.all(proxies.map((nginx) => nginx.stop()));
    await Promise.all(apps.map((t) => t.close()));
    await camera.stop();
  }
}

await main();
