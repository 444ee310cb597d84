import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pidRecordDir } from '../../src/services.js';
import { type DaemonProcess, startDaemonProcess } from './daemon-process.js';

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
