import { Gauge, type Registry } from 'prom-client';
import type { ClusterStatus } from '../cluster/cluster.js';

const PREFIX = 'stream_manager_';

/** A fleet node's series, read at scrape time from the cluster's own counts. */
export function registerClusterMetrics(registry: Registry, status: () => ClusterStatus): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: ClusterStatus) => number) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers,
      collect() {
        this.set(read(status()));
      },
    });
  gauge('cluster_redis_up', 'Whether leases decide starts (1) or this node decides alone because Redis is away (0)', (s) =>
    s.redis === 'up' ? 1 : 0,
  );
  gauge('cluster_fallback_starts_total', 'Starts decided on this node alone because Redis could not be asked', (s) => s.fallback_starts);
  gauge('cluster_duplicates_stopped_total', 'Streams stopped here because another node held their lease', (s) => s.duplicates_stopped);
  new Gauge({
    name: `${PREFIX}cluster_forwarded_requests_total`,
    help: 'Requests sent on to another node: to the node running the stream (owner), or a start this full node passed on (spill)',
    labelNames: ['reason'],
    registers,
    collect() {
      const { forwarded } = status();
      for (const [reason, count] of Object.entries(forwarded)) this.set({ reason }, count);
    },
  });
}
