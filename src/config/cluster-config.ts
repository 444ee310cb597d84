import os from 'node:os';
import { z } from 'zod';

/**
 * Several daemons sharing one Redis: leases so that a camera runs on one node,
 * a registry of the nodes. Part of the one environment schema; without
 * REDIS_URL the daemon is a single node and none of this applies.
 */
export const clusterEnvShape = {
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  // Keys are <prefix>stream:<id> and <prefix>nodes; several fleets may share one Redis.
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]*$/, 'must be letters, digits, ":", "_", "." or "-"')
    .default('stream-manager:'),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, "_", "." or "-"')
    .optional(),
  // Where the other nodes reach this one (forwarded requests); default http://<hostname>:<PORT>.
  NODE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  // A dead node's cameras may start elsewhere this long after its last renewal.
  LEASE_TTL_SECONDS: z.coerce.number().min(1).max(300).default(5),
};

const clusterEnv = z.object(clusterEnvShape);
type ClusterEnv = z.output<typeof clusterEnv> & { PORT: number };

export interface ClusterConfig {
  /** Without credentials: those are in password. */
  redisUrl: string;
  password: string | undefined;
  keyPrefix: string;
  nodeId: string;
  nodeUrl: string;
  leaseTtlMs: number;
}

/** undefined without REDIS_URL: one node, on its own. */
export function toClusterConfig(e: ClusterEnv): ClusterConfig | undefined {
  if (!e.REDIS_URL) return undefined;
  const url = new URL(e.REDIS_URL);
  const password = e.REDIS_PASSWORD ?? (url.password ? decodeURIComponent(url.password) : undefined);
  url.password = '';
  const hostname = os.hostname();
  return {
    redisUrl: url.toString(),
    password,
    keyPrefix: e.REDIS_KEY_PREFIX,
    nodeId: e.NODE_ID ?? hostname,
    nodeUrl: (e.NODE_URL ?? `http://${hostname}:${e.PORT}`).replace(/\/+$/, ''),
    leaseTtlMs: e.LEASE_TTL_SECONDS * 1000,
  };
}
