import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUrl } from '../support/api.js';
import { endFleetNode, type Fleet, type FleetNode, placement, startFleet } from '../support/fleet.js';
import type { RunningNginx } from '../support/nginx.js';
import { freePort } from '../support/ports.js';
import type { RunningRedis } from '../support/redis.js';
import { type RtspCamera, startRtspCamera } from '../support/rtsp-camera.js';
import { isAlive, waitFor } from '../support/wait-for.js';

const CAMERAS = Array.from({ length: 12 }, (_, i) => `cam${i}`);
const LEASE_TTL_SECONDS = 2;

let fleet: Fleet;
let camera: RtspCamera;
let redis: RunningRedis;
let nginx: RunningNginx;
let nodes: FleetNode[];

const start = (base: string, id: string) => fetch(startUrl(base, { indicator_id: id, rtsp_link: camera.url }));

beforeAll(async () => {
  camera = await startRtspCamera({ width: 320, height: 180, fps: 25, keyintSeconds: 1, shared: true });
  fleet = await startFleet({ ids: ['n1', 'n2', 'n3'], leaseTtlSeconds: LEASE_TTL_SECONDS, nginx: true });
  ({ redis, nodes } = fleet);
  nginx = fleet.nginx!;
}, 90_000);

afterAll(async () => {
  await fleet?.close();
  await camera?.stop();
}, 30_000);

describe('a fleet of three daemons sharing one Redis, behind Nginx', () => {
  it('runs exactly one FFmpeg per camera when every camera is started on every node at once, and every caller gets a playable path', async () => {
    const bases = [...nodes.map((node) => node.daemon.baseUrl), nginx.baseUrl];
    const answers = await Promise.all(CAMERAS.flatMap((id) => bases.map(async (base) => ({ id, base, response: await start(base, id) }))));
    for (const { id, base, response } of answers) {
      expect(response.status, `${id} through ${base}: ${await response.clone().text()}`).toBe(200);
      expect(((await response.json()) as { stream_path: string }).stream_path).toBe(`/streams/${id}/stream.m3u8`);
    }
    const where = await placement(nodes);
    expect([...where.keys()].sort()).toEqual([...CAMERAS].sort());
    for (const [id, on] of where) expect(on, id).toHaveLength(1);
    // The camera sees one session per camera id, across the whole fleet.
    expect(camera.clients.active).toBe(CAMERAS.length);

    // Every playlist answers through every node (forwarded to its owner) and through Nginx.
    for (const id of CAMERAS) {
      for (const base of bases) {
        const playlist = await fetch(`${base}/streams/${id}/stream.m3u8`);
        expect(playlist.status, `${id} via ${base}`).toBe(200);
        expect(await playlist.text()).toMatch(/^#EXTM3U/);
      }
    }
    const health = (await (await fetch(`${nodes[0]!.daemon.baseUrl}/api/health?scope=cluster`)).json()) as {
      cluster: { redis: string };
      nodes: Array<{ node_id: string; stale: boolean; active_streams: number }>;
    };
    expect(health.cluster.redis).toBe('up');
    expect(health.nodes.map((n) => n.node_id)).toEqual(['n1', 'n2', 'n3']);
    expect(health.nodes.reduce((sum, n) => sum + n.active_streams, 0)).toBe(CAMERAS.length);
  }, 90_000);

  it('after a kill -9 of a node, its cameras play again through Nginx and only they moved; when it returns, nothing moves back', async () => {
    const before = await placement(nodes);
    const victim = nodes.find((node) => [...before.values()].some((on) => on[0] === node.id))!;
    const orphans = CAMERAS.filter((id) => before.get(id)?.[0] === victim.id);
    const { streams } = (await (await fetch(`${victim.daemon.baseUrl}/api/streams`)).json()) as { streams: Array<{ pid: number }> };
    const orphanPids = streams.map((s) => s.pid);
    victim.daemon.child.kill('SIGKILL');
    await victim.daemon.exited;
    const killedAt = Date.now();
    // Its FFmpeg processes notice that their daemon is gone and end: they would hold the camera's session.
    await waitFor(() => orphanPids.every((pid) => !isAlive(pid)), { timeoutMs: 10_000, what: "the dead node's FFmpeg processes to end" });

    const survivors = nodes.filter((node) => node !== victim);
    for (const id of orphans) {
      // What a player does when its playlist stops answering: start again, through Nginx.
      await waitFor(
        async () => {
          const asked = Date.now();
          const response = await start(nginx.baseUrl, id);
          if (response.status !== 200) return undefined;
          expect(Date.now() - asked).toBeLessThan(5000);
          return (await fetch(`${nginx.baseUrl}/streams/${id}/stream.m3u8`)).status === 200 || undefined;
        },
        { timeoutMs: LEASE_TTL_SECONDS * 1000 + 15_000, intervalMs: 250, what: `${id} to play again` },
      );
    }
    expect(Date.now() - killedAt).toBeLessThan(LEASE_TTL_SECONDS * 1000 + 15_000);
    const after = await placement(survivors);
    for (const id of CAMERAS) expect(after.get(id), id).toHaveLength(1);
    // Consistent hashing and leases: the cameras of the living nodes stayed where they were.
    for (const id of CAMERAS.filter((id) => !orphans.includes(id))) expect(after.get(id)).toEqual(before.get(id));
    await waitFor(() => camera.clients.active === CAMERAS.length || undefined, { timeoutMs: 10_000, what: 'one session per camera' });
    nodes.splice(nodes.indexOf(victim), 1);
    await endFleetNode(victim);

    // The node comes back: it takes new cameras only, nothing moves back to it, nothing runs twice.
    const returned = await fleet.startNode(victim.id, victim.port);
    nodes.push(returned);
    await waitFor(
      async () => {
        const health = (await (await fetch(`${survivors[0]!.daemon.baseUrl}/api/health?scope=cluster`)).json()) as {
          nodes: Array<{ node_id: string; stale: boolean }>;
        };
        return health.nodes.some((n) => n.node_id === returned.id && !n.stale) || undefined;
      },
      { timeoutMs: 10_000, what: 'the returned node in the registry' },
    );
    const bases = [...nodes.map((node) => node.daemon.baseUrl), nginx.baseUrl];
    const again = await Promise.all(CAMERAS.flatMap((id) => bases.map((base) => start(base, id))));
    expect(again.map((response) => response.status)).toEqual(again.map(() => 200));
    expect(await placement(nodes)).toEqual(after);
    expect(camera.clients.active).toBe(CAMERAS.length);
    // New cameras go where Nginx maps them, the returned node included.
    const fresh = Array.from({ length: 12 }, (_, i) => `fresh${i}`);
    for (const id of fresh) expect((await start(nginx.baseUrl, id)).status).toBe(200);
    const withFresh = await placement(nodes);
    expect(fresh.some((id) => withFresh.get(id)?.[0] === returned.id)).toBe(true);
    for (const id of fresh) {
      expect(withFresh.get(id), id).toHaveLength(1);
      await fetch(`${nginx.baseUrl}/api/stream/stop`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ indicator_id: id }),
      });
    }
    await waitFor(async () => [...(await placement(nodes)).keys()].every((id) => CAMERAS.includes(id)) || undefined, {
      what: 'the new cameras to stop',
    });
  }, 120_000);

  it('keeps playing and starting while Redis is away, and resolves a camera started twice meanwhile once it is back', async () => {
    await redis.stop();
    await waitFor(
      async () => {
        const health = (await (await fetch(`${nodes[0]!.daemon.baseUrl}/api/health`)).json()) as { cluster: { redis: string } };
        return health.cluster.redis === 'down' || undefined;
      },
      { timeoutMs: 10_000, what: 'the node to see Redis gone' },
    );
    // What runs keeps playing.
    for (const id of CAMERAS.slice(0, 4)) expect((await fetch(`${nginx.baseUrl}/streams/${id}/stream.m3u8`)).status).toBe(200);
    // A new camera started on every node directly: each decides alone, so each runs it.
    for (const node of nodes) expect((await start(node.daemon.baseUrl, 'twice')).status).toBe(200);
    expect((await placement(nodes)).get('twice')).toHaveLength(nodes.length);

    await redis.restart();
    await waitFor(async () => ((await placement(nodes)).get('twice')?.length === 1 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the camera started twice to run on one node only',
    });
    const health = (await (await fetch(`${nodes[0]!.daemon.baseUrl}/api/health`)).json()) as {
      cluster: { redis: string; fallback_starts: number };
    };
    expect(health.cluster.redis).toBe('up');
    expect(health.cluster.fallback_starts).toBeGreaterThanOrEqual(1);
    // Every other camera still runs once, its lease taken again.
    const where = await placement(nodes);
    for (const id of CAMERAS) expect(where.get(id), id).toHaveLength(1);
  }, 60_000);

  it('passes a start that a full node (MAX_STREAMS) cannot take to a node with room', async () => {
    const small = await fleet.startNode('n4', await freePort(), { MAX_STREAMS: '1' });
    nodes.push(small);
    await waitFor(
      async () => {
        const { nodes: listed } = (await (await fetch(`${small.daemon.baseUrl}/api/health?scope=cluster`)).json()) as {
          nodes: Array<{ node_id: string }>;
        };
        return listed.length === nodes.length || undefined;
      },
      { timeoutMs: 10_000, what: 'the new node to know the others' },
    );
    for (const id of ['spill-a', 'spill-b']) expect((await start(small.daemon.baseUrl, id)).status, id).toBe(200);
    const where = await placement(nodes);
    expect(where.get('spill-a')).toEqual(['n4']);
    expect(where.get('spill-b')).toHaveLength(1);
    expect(where.get('spill-b')![0]).not.toBe('n4');
    const health = (await (await fetch(`${small.daemon.baseUrl}/api/health`)).json()) as { cluster: { forwarded: { spill: number } } };
    expect(health.cluster.forwarded.spill).toBe(1);
  }, 60_000);
});
