import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EventBus } from '../events/bus.js';
import type { StreamEvents } from '../events/stream-events.js';

/** The events a client may follow live (detections, tracked-object events), of every camera. */
export type LiveEvents = Pick<StreamEvents, 'detection' | 'object.event'>;
const LIVE_TYPES: ReadonlyArray<keyof LiveEvents> = ['detection', 'object.event'];

/** What the event-stream routes subscribe to: the node's own bus, or the whole fleet's. */
export interface LiveFeed {
  on<K extends keyof LiveEvents>(type: K, listener: (event: LiveEvents[K]) => void): () => void;
}

export interface FleetFeedDeps {
  /** The node's connection (publishes); the feed subscribes on a copy of it, as Redis requires. */
  redis: Redis;
  keyPrefix: string;
  nodeId: string;
  /** The node's own events. */
  bus: LiveFeed;
  log: Logger;
}

interface Envelope {
  node: string;
  type: keyof LiveEvents;
  event: LiveEvents[keyof LiveEvents];
}

/**
 * The live events of every node in a fleet: this node's as they happen, and
 * the others' through one Redis pub/sub channel, so that a client following
 * all cameras sees them wherever Nginx lands it. Only the event streams
 * listen here; trackers, metrics and MQTT keep to their own node's bus, so
 * nothing is tracked, counted or published twice. Pub/sub keeps nothing: a
 * message sent while Redis is away is lost, as a missed live frame is.
 */
export function createFleetFeed({ redis, keyPrefix, nodeId, bus, log }: FleetFeedDeps) {
  const channel = `${keyPrefix}events`;
  const feed = new EventBus<LiveEvents>(log);
  // Subscribing waits for the connection (queued); publishing never does: a live event is worth its moment only.
  const subscriber = redis.duplicate({ enableOfflineQueue: true, lazyConnect: true });
  subscriber.on('error', () => {}); // the node's own connection logs outages

  const relay = <K extends keyof LiveEvents>(type: K) =>
    bus.on(type, (event) => {
      feed.emit(type, event);
      const envelope: Envelope = { node: nodeId, type, event };
      redis.publish(channel, JSON.stringify(envelope)).catch(() => {});
    });

  subscriber.on('message', (_channel: string, message: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (envelope.node === nodeId || !LIVE_TYPES.includes(envelope.type)) return;
    feed.emit(envelope.type, envelope.event as never);
  });

  let offs: Array<() => void> = [];
  return {
    on: feed.on.bind(feed) as LiveFeed['on'],
    start() {
      offs = LIVE_TYPES.map(relay);
      // Not awaited: with Redis away the node starts anyway; ioredis connects, and subscribes again, when it can.
      subscriber.connect().catch(() => {});
      subscriber.subscribe(channel).catch((error: unknown) => log.warn({ err: error }, 'cannot follow the fleet’s events'));
    },
    async close() {
      for (const off of offs) off();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
