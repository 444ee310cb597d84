import os from 'node:os';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { MqttConfig } from '../config/events-config.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { Backoff } from '../process/backoff.js';
import type { EventMessage } from '../tracking/object-event.js';
import { Outbox } from './outbox.js';
import {
  availabilityPublication,
  countPublication,
  discoveryPublications,
  eventPublication,
  type Publication,
  snapshotPublication,
} from './topics.js';

export interface MqttPublisherDeps {
  config: MqttConfig;
  bus: StreamEventBus;
  log: Logger;
  /** Camera and label pairs known in advance (CAMERAS_FILE objects), announced to Home Assistant on connect. */
  knownLabels(): Array<{ camera: string; label: string }>;
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

const RECONNECT = { initialMs: 500, maxMs: 30_000 };
const CLOSE_TIMEOUT_MS = 3000;

/**
 * Publishes tracked-object events to an MQTT broker: every new/update/end on
 * <prefix>/events (QoS 1), the number of objects of each label in view on
 * <prefix>/<camera>/<label> (retained), the daemon's availability on
 * <prefix>/available (retained; the broker says offline for a daemon that
 * vanished, through the last will), and optionally Home Assistant discovery.
 * While the broker is away, messages wait in a bounded outbox; MQTT.js
 * reconnects, with a doubling pause.
 */
export function createMqttPublisher({ config, bus, log, knownLabels, connect = mqtt.connect }: MqttPublisherDeps) {
  const mqttLog = log.child({ component: 'mqtt' });
  const outbox = new Outbox(config.queueMax);
  const backoff = new Backoff(RECONNECT);
  /** Per camera and label, the ids of the events in progress. */
  const inView = new Map<string, Set<string>>();
  const announced = new Set<string>();
  const node = config.clientId ?? `stream-manager-${os.hostname()}`;
  let client: MqttClient | undefined;
  let unsubscribe: (() => void) | undefined;
  let published = 0;

  const send = (publication: Publication) => {
    if (!client?.connected) {
      outbox.push(publication);
      return;
    }
    published += 1;
    client.publish(publication.topic, publication.payload, { qos: publication.qos, retain: publication.retain }, (error) => {
      if (error) mqttLog.warn({ err: error, topic: publication.topic }, 'an MQTT publish failed');
    });
  };

  const announce = (camera: string, label: string) => {
    const key = `${camera}\u0000${label}`;
    if (!config.haDiscovery || announced.has(key)) return;
    announced.add(key);
    for (const publication of discoveryPublications(config.topicPrefix, node, camera, label)) send(publication);
  };

  const onEvent = (message: EventMessage) => {
    const { camera, label, id } = message.after;
    announce(camera, label);
    send(eventPublication(config.topicPrefix, message));
    if (message.type === 'update') return;
    const key = `${camera}\u0000${label}`;
    const ids = inView.get(key) ?? new Set<string>();
    inView.set(key, ids);
    if (message.type === 'new') ids.add(id);
    else ids.delete(id);
    send(countPublication(config.topicPrefix, camera, label, ids.size));
  };

  return {
    start() {
      client = connect(config.url, {
        clientId: node,
        username: config.username,
        password: config.password,
        clean: true,
        reconnectPeriod: RECONNECT.initialMs,
        connectTimeout: 10_000,
        // Our outbox holds what waits; MQTT.js's own offline queue would grow without bound.
        queueQoSZero: false,
        will: { ...availabilityPublication(config.topicPrefix, 'offline'), payload: Buffer.from('offline') },
      });
      client.on('connect', () => {
        // Discovery is sent again on every connect: the broker may have lost its retained messages.
        announced.clear();
        backoff.reset();
        client!.options.reconnectPeriod = RECONNECT.initialMs;
        mqttLog.info({ url: config.url, waiting: outbox.size }, 'connected to the MQTT broker');
        send(availabilityPublication(config.topicPrefix, 'online'));
        for (const { camera, label } of knownLabels()) announce(camera, label);
        for (const publication of outbox.take()) send(publication);
      });
      client.on('close', () => {
        // MQTT.js reads reconnectPeriod each time it schedules a reconnect.
        if (client) client.options.reconnectPeriod = backoff.next();
      });
      client.on('error', (error) => mqttLog.warn({ err: error, url: config.url }, 'MQTT connection problem'));
      const offEvents = bus.on('object.event', onEvent);
      const offPictures = bus.on('object.picture', ({ event, jpeg }) =>
        send(snapshotPublication(config.topicPrefix, event.camera, event.label, jpeg)),
      );
      unsubscribe = () => {
        offEvents();
        offPictures();
      };
    },
    stats() {
      return { connected: client?.connected ?? false, waiting: outbox.size, dropped: outbox.dropped, published };
    },
    async close() {
      unsubscribe?.();
      if (!client) return;
      if (client.connected) {
        const { topic, payload, qos, retain } = availabilityPublication(config.topicPrefix, 'offline');
        await client.publishAsync(topic, payload, { qos, retain }).catch(() => {});
      } else if (outbox.size > 0) {
        mqttLog.warn({ waiting: outbox.size }, 'closing with MQTT messages the broker never got');
      }
      await Promise.race([client.endAsync(), new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
      client.end(true);
    },
  };
}

export type MqttPublisher = ReturnType<typeof createMqttPublisher>;
