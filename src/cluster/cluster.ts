import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { isActive } from '../process/supervisor-state.js';
import type { Stream } from '../streams/stream.js';
import { type ListedNode, NodeRegistry } from './node-registry.js';
import { createRedisConnection } from './redis-connection.js';
import { type Claim, StreamLeases } from './stream-leases.js';

export interface ClusterDeps {
  config: ClusterConfig;
  maxStreams: number;
  version: string;
  /** The node's streams (the manager is made after this component, so that it closes after them). */
  streams(): Stream[];
  stop(id: string): Promise<void>;
  bus: StreamEventBus;
  log: Logger;
}

/** A node other than this one, as routing needs it. */
export interface Peer {
  nodeId: string;
  url: string;
}

/** Where this node stands with the fleet, for health and metrics. */
export interface ClusterStatus {
  node_id: string;
  node_url: string;
  /** up: leases decide; down: starts are decided here alone until Redis is back. */
  redis: 'up' | 'down';
  /** Starts decided locally because Redis could not be asked. */
  fallback_starts: number;
  /** Streams stopped here because another node turned out to run them too. */
  duplicates_stopped: number;
  /** Requests this node sent on: to a stream's owner, or a start it had no room for. */
  forwarded: { owner: number; spill: number };
}

/** How many heartbeats a lease outlives: two may be missed before it expires. */
const HEARTBEATS_PER_TTL = 3;

/**
 * This node's part in a fleet of daemons sharing one Redis: it takes a
 * camera's lease before starting it, renews the leases of what it runs,
 * releases them when streams go, publishes itself in the node registry, and
 * tells where a camera it does not run is running. When Redis is away it keeps
 * what it runs and decides new starts alone; back, it re-takes its leases and
 * stops any camera another node holds by then.
 */
export function createCluster(deps: ClusterDeps) {
  const { config, log } = deps;
  const clusterLog = log.child({ component: 'cluster', node: config.nodeId });
  const redis = createRedisConnection(config, clusterLog);
  const leases = new StreamLeases({ redis, keyPrefix: config.keyPrefix, nodeId: config.nodeId, ttlMs: config.leaseTtlMs });
  const registry = new NodeRegistry({ redis, keyPrefix: config.keyPrefix, ttlMs: config.leaseTtlMs });
  const startedAt = new Date().toISOString();
  const status: ClusterStatus = {
    node_id: config.nodeId,
    node_url: config.nodeUrl,
    redis: 'down',
    fallback_starts: 0,
    duplicates_stopped: 0,
    forwarded: { owner: 0, spill: 0 },
  };
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();

  const running = () => deps.streams().filter((stream) => isActive(stream.state));

  const heartbeat = async () => {
    try {
      const streams = running();
      const lost = await leases.renew(streams.map((stream) => stream.id));
      for (const id of lost) {
        // Both ran it while this node could not reach Redis; the lease's holder keeps it.
        clusterLog.warn({ stream: id }, 'another node holds this camera now; stopping it here');
        status.duplicates_stopped += 1;
        void deps.stop(id).catch(() => undefined);
      }
      await registry.publish({
        node_id: config.nodeId,
        url: config.nodeUrl,
        active_streams: streams.length - lost.length,
        max_streams: deps.maxStreams,
        streams: streams.map((stream) => stream.id).filter((id) => !lost.includes(id)),
        version: deps.version,
        started_at: startedAt,
      });
      await registry.refresh();
      if (status.redis === 'down') clusterLog.info('leases decide starts again');
      status.redis = 'up';
    } catch (error) {
      if (status.redis === 'up') clusterLog.warn({ err: error }, 'cannot reach Redis; keeping what runs here');
      status.redis = 'down';
    }
  };

  const offRemoved = deps.bus.on('stream.removed', ({ id }) => {
    if (!deps.streams().some((stream) => stream.id === id)) void leases.release(id);
  });

  return {
    nodeId: config.nodeId,
    redis,
    status: (): ClusterStatus => ({ ...status, forwarded: { ...status.forwarded } }),
    countForwarded(reason: 'owner' | 'spill') {
      status.forwarded[reason] += 1;
    },

    /** Before a stream is created here: may this node run it? `unknown` (Redis away) counts as yes, and is counted. */
    async claim(id: string): Promise<Claim> {
      const claim = await leases.claim(id);
      if (claim.kind === 'unknown') status.fallback_starts += 1;
      return claim;
    },

    /** A stream this node took the lease for but did not start after all. */
    release: (id: string) => leases.release(id),

    /**
     * The node running a camera that is not running here, with its URL; undefined if none. With
     * Redis away, the registry as last read says which node ran it then.
     */
    async ownerOf(id: string): Promise<Peer | undefined> {
      let owner: string | undefined;
      try {
        owner = await leases.owner(id);
      } catch {
        owner = registry.known().find((node) => node.streams.includes(id))?.node_id;
      }
      if (!owner || owner === config.nodeId) return undefined;
      const node =
        registry.known().find((n) => n.node_id === owner) ?? (await registry.refresh().catch(() => [])).find((n) => n.node_id === owner);
      return node ? { nodeId: node.node_id, url: node.url } : undefined;
    },

    /** Live nodes with room for one more stream, least loaded first: where a start goes when this node is full. */
    spillTargets(): Peer[] {
      return registry
        .known()
        .filter((node) => node.node_id !== config.nodeId && !node.stale && node.active_streams < node.max_streams)
        .sort((a, b) => a.active_streams / a.max_streams - b.active_streams / b.max_streams)
        .map((node) => ({ nodeId: node.node_id, url: node.url }));
    },

    /** Every node, read fresh (the registry as last read when Redis is away). */
    nodes: (): Promise<readonly ListedNode[]> => registry.refresh().catch(() => registry.known()),

    async start() {
      await redis.connect().catch((error: unknown) => clusterLog.warn({ err: error }, 'Redis is not reachable yet; starting on my own'));
      await heartbeat();
      timer = setInterval(() => {
        beating = beating.then(heartbeat);
      }, config.leaseTtlMs / HEARTBEATS_PER_TTL);
      timer.unref();
    },

    /** After the streams have closed (their leases released as they went). */
    async close() {
      clearInterval(timer);
      await beating;
      offRemoved();
      await registry.remove(config.nodeId).catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export type Cluster = ReturnType<typeof createCluster>;
