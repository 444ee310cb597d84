import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pidRecordDir } from '../../src/services.js';
import { type DaemonProcess, startDaemonProcess } from './daemon-process.js';
import { type RunningNginx, startNginx } from './nginx.js';
import { freePort } from './ports.js';
import { type RunningRedis, startRedis } from './redis.js';

export interface FleetNode {
  id: string;
  port: number;
  streamDir: string;
  daemon: DaemonProcess;
}

export interface FleetNodeOptions {
  /** The folder the node's streams, recordings and events go under. */
  work: string;
  redisUrl: string;
  id: string;
  port: number;
  leaseTtlSeconds: number;
  env?: Record<string, string>;
}

/** A daemon process of a fleet: its own folders, the shared Redis, its node id and URL. */
export async function startFleetNode({ work, redisUrl, id, port, leaseTtlSeconds, env = {} }: FleetNodeOptions): Promise<FleetNode> {
  const streamDir = path.join(work, id);
  const daemon = await startDaemonProcess({
    PORT: String(port),
    STREAM_DIR: streamDir,
    RECORD_DIR: path.join(work, `${id}-recordings`),
    EVENT_DIR: path.join(work, `${id}-events`),
    REDIS_URL: redisUrl,
    NODE_ID: id,
    NODE_URL: `http://127.0.0.1:${port}`,
    LEASE_TTL_SECONDS: String(leaseTtlSeconds),
    CLEANUP_DELAY_SECONDS: '3600',
    RATE_LIMIT_MAX: '0',
    HLS_SEGMENT_TIME: '1',
    ...env,
  });
  return { id, port, streamDir, daemon };
}

/** Kills the node (if still running) and removes what it left outside its folder. */
export async function endFleetNode(node: FleetNode): Promise<void> {
  await node.daemon.kill();
  await rm(pidRecordDir(node.streamDir), { recursive: true, force: true });
}

/** Which node runs each camera, as each node itself says (not the registry). */
export async function placement(of: FleetNode[], headers: Record<string, string> = {}): Promise<Map<string, string[]>> {
  const where = new Map<string, string[]>();
  for (const node of of) {
    const { streams } = (await (await fetch(`${node.daemon.baseUrl}/api/streams`, { headers })).json()) as {
      streams: Array<{ indicator_id: string }>;
    };
    for (const { indicator_id } of streams) where.set(indicator_id, [...(where.get(indicator_id) ?? []), node.id]);
  }
  return where;
}

export interface Fleet {
  redis: RunningRedis;
  /** The nodes now running; tests that kill or add nodes keep it up to date, close() ends every one left. */
  nodes: FleetNode[];
  /** Nginx rendered for the first nodes, when asked for. */
  nginx: RunningNginx | undefined;
  /** Another node on the same Redis and folder (a new one, or one that returns on its old port). */
  startNode(id: string, port?: number, env?: Record<string, string>): Promise<FleetNode>;
  close(): Promise<void>;
}

/** A real Redis, one daemon process per id on free ports, and Nginx in front of them if asked. */
export async function startFleet({
  ids,
  leaseTtlSeconds,
  env = {},
  nginx = false,
}: {
  ids: string[];
  leaseTtlSeconds: number;
  env?: Record<string, string>;
  nginx?: boolean;
}): Promise<Fleet> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'sm-fleet-'));
  const redis = await startRedis();
  const startNode = async (id: string, port?: number, more: Record<string, string> = {}) =>
    startFleetNode({ work, redisUrl: redis.url, id, port: port ?? (await freePort()), leaseTtlSeconds, env: { ...env, ...more } });
  const nodes = await Promise.all(ids.map((id) => startNode(id)));
  const proxy = nginx
    ? await startNginx({ streamDir: path.join(work, ids[0]!), fleet: nodes.map((node) => `127.0.0.1:${node.port}`) })
    : undefined;
  return {
    redis,
    nodes,
    nginx: proxy,
    startNode,
    async close() {
      await proxy?.stop();
      for (const node of nodes) await endFleetNode(node);
      await redis.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
