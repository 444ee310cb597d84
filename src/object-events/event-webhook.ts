import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventWebhookConfig } from '../config/events-config.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { DurableQueue, type QueuedJob } from '../handoff/durable-queue.js';
import { QueueWorker } from '../handoff/queue-worker.js';
import type { EventMessage } from '../tracking/object-event.js';

export interface EventWebhookDeps {
  config: EventWebhookConfig;
  /** Where the queue lives (one small file per message). */
  dir: string;
  bus: StreamEventBus;
  log: Logger;
}

const TIMEOUT_MS = 10_000;

/**
 * "t=<unix seconds>,v1=<hex HMAC-SHA256 of `<t>.<body>`>": the timestamp is
 * signed with the body, so a receiver that refuses old timestamps cannot be
 * fed a recorded delivery again.
 */
export function eventSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Delivers tracked-object events to EVENT_WEBHOOK_URL: each new and end (and
 * update, if asked) as the same JSON as on MQTT, from a durable queue, in
 * order, retried with a doubling pause while the receiver is down, resumed
 * after a restart. Signed per attempt in X-Event-Signature when a secret is set.
 */
export function createEventWebhook({ config, dir, bus, log }: EventWebhookDeps) {
  const hookLog = log.child({ component: 'event webhook' });
  const queue = new DurableQueue<EventMessage>(dir);
  let dropped = 0;
  const worker = new QueueWorker<EventMessage>({
    queue,
    run: async ({ payload }: QueuedJob<EventMessage>) => {
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'stream-manager' };
      if (config.secret) headers['x-event-signature'] = eventSignature(config.secret, Math.floor(Date.now() / 1000), body);
      const response = await fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the event webhook answered ${response.status}`);
    },
    done: async () => {},
    retry: { initialMs: Math.min(1000, config.retryMaxMs), maxMs: config.retryMaxMs },
    log: hookLog,
  });
  // Pushes are file writes: chained, so that the queue keeps the bus's order.
  let pushing = Promise.resolve();
  let unsubscribe: (() => void) | undefined;

  const enqueue = (message: EventMessage) => {
    if (message.type === 'update' && !config.updates) return;
    pushing = pushing.then(async () => {
      if (queue.size >= config.queueMax) {
        dropped += 1;
        hookLog.error({ event: message.after.id, queued: queue.size }, 'the event webhook queue is full: dropping an event message');
        return;
      }
      await queue.push(message);
      worker.notify();
    });
  };

  return {
    async start() {
      await queue.open();
      worker.start();
      unsubscribe = bus.on('object.event', enqueue);
    },
    stats() {
      return { waiting: queue.size, dropped, failures: worker.failures };
    },
    async close() {
      unsubscribe?.();
      await pushing;
      await worker.close();
    },
  };
}

export type EventWebhook = ReturnType<typeof createEventWebhook>;
