import type { Redis } from 'ioredis';

export interface StreamLeasesOptions {
  redis: Redis;
  keyPrefix: string;
  nodeId: string;
  ttlMs: number;
}

/** Who may run a camera: this node, another one (by id), or nobody knows (Redis is away). */
export type Claim = { kind: 'mine' } | { kind: 'elsewhere'; owner: string } | { kind: 'unknown' };

// Compare-and-delete: a node releases only the lease it holds.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
// Extend ours; take it again if Redis lost it (a restart without persistence); 0 if another node has it.
const RENEW = `local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not owner then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

type LeaseCommands = {
  releaseLease(key: string, node: string): Promise<number>;
  renewLease(key: string, node: string, ttlMs: number): Promise<number>;
};

/**
 * One lease per camera in Redis (`<prefix>stream:<id>` = the node running it,
 * with a TTL): the node that holds it runs the camera's one FFmpeg; every other
 * node forwards to it. Held while the stream runs (renewed), released on stop,
 * and lost by a node that dies once the TTL passes.
 */
export class StreamLeases {
  readonly #redis: Redis & LeaseCommands;

  constructor(private readonly options: StreamLeasesOptions) {
    options.redis.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE });
    options.redis.defineCommand('renewLease', { numberOfKeys: 1, lua: RENEW });
    this.#redis = options.redis as Redis & LeaseCommands;
  }

  key(id: string): string {
    return `${this.options.keyPrefix}stream:${id}`;
  }

  /** Takes the camera's lease unless another node holds it. */
  async claim(id: string): Promise<Claim> {
    const { nodeId, ttlMs } = this.options;
    try {
      if ((await this.#redis.set(this.key(id), nodeId, 'PX', ttlMs, 'NX')) === 'OK') return { kind: 'mine' };
      const owner = await this.#redis.get(this.key(id));
      // Gone between the two calls: whoever held it let go; try once more.
      if (owner === null)
        return (await this.#redis.set(this.key(id), nodeId, 'PX', ttlMs, 'NX')) === 'OK' ? { kind: 'mine' } : { kind: 'unknown' };
      return owner === nodeId ? { kind: 'mine' } : { kind: 'elsewhere', owner };
    } catch {
      return { kind: 'unknown' };
    }
  }

  /** The node holding the camera's lease; undefined when none does. Throws when Redis is away. */
  async owner(id: string): Promise<string | undefined> {
    return (await this.#redis.get(this.key(id))) ?? undefined;
  }

  async release(id: string): Promise<void> {
    await this.#redis.releaseLease(this.key(id), this.options.nodeId).catch(() => undefined);
  }

  /** Renews the leases of the cameras this node runs; returns those another node holds now. Throws when Redis is away. */
  async renew(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const id of ids) (pipeline as unknown as LeaseCommands).renewLease(this.key(id), this.options.nodeId, this.options.ttlMs);
    const results = (await pipeline.exec()) ?? [];
    const lost: string[] = [];
    results.forEach(([error, held], i) => {
      if (error) throw error;
      if (held === 0) lost.push(ids[i]!);
    });
    return lost;
  }
}
