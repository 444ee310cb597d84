import path from 'node:path';
import type { Logger } from 'pino';
import type { CameraEntry } from '../cameras/camera-file.js';
import type { EventsConfig } from '../config/events-config.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { createMqttPublisher } from '../mqtt/mqtt-publisher.js';
import type { FrameJpegsOutput } from '../snapshots/frame-jpegs-output.js';
import { EventPictures } from './event-pictures.js';
import { EVENTS_DB, EventStore } from './event-store.js';
import { createEventWebhook } from './event-webhook.js';
import { createObjectEvents } from './object-events.js';

export interface EventSystemDeps {
  config: EventsConfig;
  bus: StreamEventBus;
  log: Logger;
  /** CAMERAS_FILE: each camera's objects, zones and min_area, and which labels to announce. */
  cameras: { ids(): string[]; get(id: string): CameraEntry | undefined } | undefined;
  /** A stream's full-size frames, when it detects. */
  framesOf(id: string): Pick<FrameJpegsOutput, 'nearest'> | undefined;
}

/** The event webhook's queue, in EVENT_DIR. */
const WEBHOOK_QUEUE_DIR = 'webhook-queue';

/**
 * Tracked-object events as one component: the store and pictures, the
 * tracker per stream, and where events go (MQTT, the webhook), each only when
 * configured. Created before the streams and closed after them, so that the
 * ends a closing stream raises are stored and still reach the broker; inside,
 * the outlets start before the events and close after them.
 */
export function createEventSystem({ config, bus, log, cameras, framesOf }: EventSystemDeps) {
  const mqtt = config.mqtt
    ? createMqttPublisher({
        config: config.mqtt,
        bus,
        log,
        knownLabels: () =>
          (cameras?.ids() ?? []).flatMap((camera) => (cameras!.get(camera)?.objects ?? []).map((label) => ({ camera, label }))),
      })
    : undefined;
  const webhook = config.webhook
    ? createEventWebhook({ config: config.webhook, dir: path.join(config.dir, WEBHOOK_QUEUE_DIR), bus, log })
    : undefined;
  const store = new EventStore(path.join(config.dir, EVENTS_DB));
  const pictures = new EventPictures(config.dir);
  const events = createObjectEvents({
    bus,
    store,
    pictures,
    framesOf,
    rules: config,
    retainDays: config.retainDays,
    cameraOf: (id) => cameras?.get(id),
    log,
  });

  return {
    store,
    pictures,
    mqtt,
    webhook,
    async start() {
      mqtt?.start();
      await webhook?.start();
      events.start();
    },
    async close() {
      events.close();
      await webhook?.close();
      await mqtt?.close();
      store.close();
    },
  };
}

export type EventSystem = ReturnType<typeof createEventSystem>;
