/**
 * Warm start calls (`/api/stream/start` for a stream that already runs: what a backend sends
 * for every page view) per second and their p99, with autocannon: one daemon on its own, and a
 * fleet of three behind Nginx, where Nginx sends the call to the node running the camera
 * (local) or to another that forwards it (after a failover or a spill), and a node called
 * directly that forwards. Rounds of every variant are interleaved, so the machine's noise falls
 * on all of them alike; load generator, Nginx, Redis and daemons share the machine's cores.
 * Usage: npx tsx bench/fleet-warm-start.ts [--rounds N (3)] [--seconds S (5)] [--connections C (10)]   (npm run bench:fleet)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type DaemonProcess, startDaemonProcess } from '../test/support/daemon-process.js';
import { endFleetNode, type FleetNode, startFleetNode } from '../test/support/fleet.js';
import { type RunningNginx, startNginx } from '../test/support/nginx.js';
import { freePort } from '../test/support/ports.js';
import { startRedis } from '../test/support/redis.js';
import { startRtspCamera } from '../test/support/rtsp-camera.js';
import { interleavedRounds, machineLine } from './request-rounds.js';

const API_TOKEN = 'bench-api-token-0123456789abcdef';
const headers = { authorization: `Bearer ${API_TOKEN}` };
// As a backend runs it: its API token, request logs off (LOG_REQUESTS=false; Nginx logs access).
const ENV = { API_TOKEN, LOG_REQUESTS: 'false', CLEANUP_DELAY_SECONDS: '3600' };

async function main() {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, seconds: { type: 'string' }, connections: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 3);
  const seconds = Number(values.seconds ?? 5);
  const connections = Number(values.connections ?? 10);
  const work = await mkdtemp(path.join(os.tmpdir(), 'sm-bench-fleet-'));
  const [redis, camera] = await Promise.all([startRedis(), startRtspCamera({ width: 640, height: 360, shared: true })]);
  const nodes: FleetNode[] = [];
  let single: DaemonProcess | undefined;
  let nginx: RunningNginx | undefined;
  try {
    single = await startDaemonProcess({
      ...ENV,
      STREAM_DIR: path.join(work, 'single'),
      RECORD_DIR: path.join(work, 'single-rec'),
      EVENT_DIR: path.join(work, 'single-ev'),
    });
    const ports = await Promise.all(['n1', 'n2', 'n3'].map(() => freePort()));
    nodes.push(
      ...(await Promise.all(
        ['n1', 'n2', 'n3'].map((id, i) => startFleetNode({ work, redisUrl: redis.url, id, port: ports[i]!, leaseTtlSeconds: 5, env: ENV })),
      )),
    );
    // Which node Nginx sends an id to, named in a header (a bench-only addition to the rendered configuration).
    nginx = await startNginx({
      streamDir: path.join(work, 'n1'),
      fleet: ports.map((port) => `127.0.0.1:${port}`),
      edit: (conf) => conf.replace(/location \/api\/ \{/, 'location /api/ {\n      add_header X-Upstream $upstream_addr always;'),
    });
    const mappedTo = async (id: string) =>
      (await fetch(`${nginx!.baseUrl}/api/stream/status?indicator_id=${id}`, { headers })).headers.get('x-upstream');
    const startUrl = (base: string, id: string) =>
      `${base}/api/stream/start?indicator_id=${id}&rtsp_link=${encodeURIComponent(camera.url)}`;
    const start = async (url: string) => {
      const response = await fetch(url, { headers });
      if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    };

    await start(startUrl(single.baseUrl, 'local'));
    await start(startUrl(nginx.baseUrl, 'local')); // runs where Nginx maps it
    // 'moved' runs on a node other than the one Nginx maps it to, as after a failover.
    const mapped = await mappedTo('moved');
    const elsewhere = nodes.find((node) => !mapped?.endsWith(`:${node.port}`))!;
    await start(startUrl(elsewhere.daemon.baseUrl, 'moved'));
    const notOwner = nodes.find((node) => node !== elsewhere)!;

    const variants = [
      { title: 'one node, direct', url: startUrl(single.baseUrl, 'local') },
      { title: 'three nodes via Nginx, to the owner', url: startUrl(nginx.baseUrl, 'local') },
      { title: 'three nodes via Nginx, forwarded by a node to the owner', url: startUrl(nginx.baseUrl, 'moved') },
      { title: 'a node direct, forwarded to the owner', url: startUrl(notOwner.daemon.baseUrl, 'moved') },
    ];
    const rows = await interleavedRounds(variants, { rounds, seconds, connections, headers });
    const base = rows[0]!.rate;
    const markdown = [
      '## Warm start calls: one node and a fleet of three behind Nginx',
      '',
      machineLine(),
      '',
      `GET /api/stream/start for a running stream, with the API token, by autocannon over ${connections} keep-alive connections for ${seconds} s, ${rounds} interleaved rounds per variant after a warm-up round.`,
      '',
      '| variant | requests/s | vs. one node | p50 (ms) | p99 (ms) | non-200 |',
      '|---|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.title} | ${Math.round(row.rate)} | ${(row.rate / base).toFixed(2)}× | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.failures} |`,
      ),
    ].join('\n');
    console.log(markdown);
    const results = new URL('./results/', import.meta.url);
    await mkdir(results, { recursive: true });
    await writeFile(new URL('fleet-warm-start.md', results), `${markdown}\n`);
  } finally {
    await nginx?.stop();
    for (const node of nodes) await endFleetNode(node);
    await single?.kill();
    await camera.stop();
    await redis.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
