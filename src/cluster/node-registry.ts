import type { Redis } from 'ioredis';

/** What a node says of itself, every heartbeat. */
export interface NodeInfo {
  node_id: string;
  url: string;
  active_streams: number;
  max_streams: number;
  streams: string[];
  version: string;
  started_at: string;
  /** When it last said so (epoch ms). */
  seen_at: number;
}

export interface ListedNode extends NodeInfo {
  /** Not heard from for longer than a lease lives: down, or cut off from Redis. */
  stale: boolean;
}

/** A node silent this long is dropped from the registry altogether. */
const FORGET_AFTER_MS = 3_600_000;

/**
 * The fleet's nodes, in one Redis hash (`<prefix>nodes`: node id → its info),
 * each entry rewritten by its node every heartbeat. Live is "heard from within
 * a lease TTL"; the last list read is kept, so routing never waits on Redis.
 */
export class NodeRegistry {
  #known: ListedNode[] = [];

  constructor(private readonly options: { redis: Redis; keyPrefix: string; ttlMs: number; now?: () => number }) {}

  get #key(): string {
    return `${this.options.keyPrefix}nodes`;
  }

  async publish(info: Omit<NodeInfo, 'seen_at'>): Promise<void> {
    const seen = (this.options.now ?? Date.now)();
    await this.options.redis.hset(this.#key, info.node_id, JSON.stringify({ ...info, seen_at: seen }));
  }

  /** Reads every node (and forgets the long-gone); the answer is also kept for `known()`. */
  async refresh(): Promise<ListedNode[]> {
    const now = (this.options.now ?? Date.now)();
    const entries = await this.options.redis.hgetall(this.#key);
    const nodes: ListedNode[] = [];
    for (const [id, text] of Object.entries(entries)) {
      const info = parseInfo(text);
      if (!info || now - info.seen_at > FORGET_AFTER_MS) {
        await this.options.redis.hdel(this.#key, id);
        continue;
      }
      nodes.push({ ...info, stale: now - info.seen_at > this.options.ttlMs });
    }
    this.#known = nodes.sort((a, b) => a.node_id.localeCompare(b.node_id));
    return this.#known;
  }

  /** The nodes as last read. */
  known(): readonly ListedNode[] {
    return this.#known;
  }

  async remove(nodeId: string): Promise<void> {
    await this.options.redis.hdel(this.#key, nodeId);
  }
}

function parseInfo(text: string): NodeInfo | undefined {
  try {
    const info = JSON.parse(text) as NodeInfo;
    return typeof info.node_id === 'string' && typeof info.url === 'string' && typeof info.seen_at === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}
