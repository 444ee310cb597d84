/**
 * What signed playback costs a segment request: the same segment fetched over and over
 * (keep-alive, fixed concurrency) through Nginx and from the daemon itself, with playback
 * open and with playback signed, and through Nginx with the playback-check cache turned off.
 * Rounds of every variant are interleaved, so the machine's noise falls on all of them alike.
 * Usage: npx tsx bench/playback-auth.ts [--rounds N (3)] [--seconds S (3)] [--concurrency C (16)]   (npm run bench:playback)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type RunningNginx, startNginxFor } from '../test/support/nginx.js';
import { startRtspCamera } from '../test/support/rtsp-camera.js';
import { startTestApp, type TestApp } from '../test/support/test-app.js';
import { interleavedRounds, machineLine, type Variant } from './request-rounds.js';

const API_TOKEN = 'bench-api-token-0123456789';
const ID = 'bench';

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
      return playlist.split('\n').find((line) => line !== '' && !line.startsWith('#'))!; // a segment; carries the token when signed
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
    const rows = await interleavedRounds(variants, { rounds, seconds, connections: concurrency });
    const base = (title: string) => rows.find((row) => row.title.startsWith(title))!.rate;
    const markdown = [
      '## Signed playback: segment requests per second',
      '',
      machineLine(),
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
