import { Counter, Gauge, type Registry } from 'prom-client';
import type { StreamEventBus } from '../events/stream-events.js';

/** What the event outputs report, read at scrape time; each is undefined when not configured. */
export interface EventSources {
  mqtt?(): { connected: boolean; waiting: number; dropped: number };
  webhook?(): { waiting: number; dropped: number; failures: number };
}

const PREFIX = 'stream_manager_';

/** Tracked-object event series: events by change and label, and the state of MQTT and the event webhook. */
export function registerEventMetrics(registry: Registry, bus: StreamEventBus, sources: EventSources): () => void {
  const registers = [registry];
  const events = new Counter({
    name: `${PREFIX}object_events_total`,
    help: 'Tracked-object event messages, by change (new, update, end) and label',
    labelNames: ['type', 'label'],
    registers,
  });
  const { mqtt, webhook } = sources;
  if (mqtt) {
    new Gauge({
      name: `${PREFIX}mqtt_connected`,
      help: '1 while the MQTT broker is connected',
      registers,
      collect() {
        this.set(mqtt().connected ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}mqtt_waiting_messages`,
      help: 'Messages waiting for the MQTT broker to come back',
      registers,
      collect() {
        this.set(mqtt().waiting);
      },
    });
    new Gauge({
      name: `${PREFIX}mqtt_dropped_messages`,
      help: 'Messages dropped since start because MQTT_QUEUE_MAX were already waiting',
      registers,
      collect() {
        this.set(mqtt().dropped);
      },
    });
  }
  if (webhook) {
    new Gauge({
      name: `${PREFIX}event_webhook_waiting_messages`,
      help: 'Event messages queued for EVENT_WEBHOOK_URL',
      registers,
      collect() {
        this.set(webhook().waiting);
      },
    });
    new Gauge({
      name: `${PREFIX}event_webhook_failures`,
      help: 'Failed event webhook deliveries since start (each retried)',
      registers,
      collect() {
        this.set(webhook().failures);
      },
    });
  }
  return bus.on('object.event', ({ type, after }) => events.inc({ type, label: after.label }));
}
