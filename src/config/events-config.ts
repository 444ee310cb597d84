import { z } from 'zod';

const seconds = z.coerce.number().gt(0).max(3600);

/**
 * Tracked-object events and where they go (MQTT). Part of the one environment
 * schema; kept apart because it is a concern of its own.
 */
export const eventsEnvShape = {
  // The events database (events.db) and the events' snapshots.
  EVENT_DIR: z.string().min(1).default('./events'),
  EVENT_RETAIN_DAYS: z.coerce.number().gt(0).max(3650).default(30),
  // Frames an object must be detected in before it is an event (at 2 fps: two in half a second).
  EVENT_MIN_FRAMES: z.coerce.number().int().min(1).max(1000).default(2),
  // The median of its recent scores must reach this.
  EVENT_MIN_SCORE: z.coerce.number().min(0).max(1).default(0.6),
  EVENT_END_SECONDS: seconds.default(5),
  EVENT_STATIONARY_SECONDS: seconds.default(10),
  EVENT_PRE_CAPTURE_SECONDS: z.coerce.number().min(0).max(600).default(5),
  EVENT_POST_CAPTURE_SECONDS: z.coerce.number().min(0).max(600).default(5),
  EVENT_UPDATE_INTERVAL_SECONDS: z.coerce.number().min(0).max(3600).default(1),
  MQTT_URL: z.url({ protocol: /^mqtts?$/, error: 'must be an mqtt:// or mqtts:// URL' }).optional(),
  MQTT_USERNAME: z.string().min(1).optional(),
  MQTT_PASSWORD: z.string().min(1).optional(),
  MQTT_TOPIC_PREFIX: z
    .string()
    .regex(/^[^#+\s]+$/, 'must be a topic level without wildcards or spaces')
    .default('stream-manager'),
  MQTT_CLIENT_ID: z.string().min(1).max(128).optional(),
  MQTT_HA_DISCOVERY: z.enum(['true', 'false']).default('false'),
  EVENT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  EVENT_WEBHOOK_SECRET: z.string().min(16, 'needs at least 16 characters').optional(),
  EVENT_WEBHOOK_UPDATES: z.enum(['true', 'false']).default('false'),
  EVENT_WEBHOOK_QUEUE_MAX: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  EVENT_WEBHOOK_RETRY_MAX_SECONDS: z.coerce.number().min(0.1).max(3600).default(60),
  // Messages kept while the broker is away; the oldest are dropped (and counted) past it.
  MQTT_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
};

const eventsEnv = z.object(eventsEnvShape);
type EventsEnv = z.output<typeof eventsEnv>;

export interface MqttConfig {
  /** Without credentials: those are in username/password. */
  url: string;
  username: string | undefined;
  password: string | undefined;
  topicPrefix: string;
  clientId: string | undefined;
  haDiscovery: boolean;
  queueMax: number;
}

export interface EventWebhookConfig {
  url: string;
  secret: string | undefined;
  /** Send updates too, not only new and end. */
  updates: boolean;
  queueMax: number;
  retryMaxMs: number;
}

export interface EventsConfig {
  dir: string;
  retainDays: number;
  minFrames: number;
  minScore: number;
  endMs: number;
  stationaryMs: number;
  updateIntervalMs: number;
  preCaptureMs: number;
  postCaptureMs: number;
  mqtt: MqttConfig | undefined;
  webhook: EventWebhookConfig | undefined;
}

export function toEventsConfig(e: EventsEnv): EventsConfig {
  return {
    dir: e.EVENT_DIR,
    retainDays: e.EVENT_RETAIN_DAYS,
    minFrames: e.EVENT_MIN_FRAMES,
    minScore: e.EVENT_MIN_SCORE,
    endMs: e.EVENT_END_SECONDS * 1000,
    stationaryMs: e.EVENT_STATIONARY_SECONDS * 1000,
    updateIntervalMs: e.EVENT_UPDATE_INTERVAL_SECONDS * 1000,
    preCaptureMs: e.EVENT_PRE_CAPTURE_SECONDS * 1000,
    postCaptureMs: e.EVENT_POST_CAPTURE_SECONDS * 1000,
    mqtt: e.MQTT_URL ? mqttConfig(e, e.MQTT_URL) : undefined,
    webhook: e.EVENT_WEBHOOK_URL
      ? {
          url: e.EVENT_WEBHOOK_URL,
          secret: e.EVENT_WEBHOOK_SECRET,
          updates: e.EVENT_WEBHOOK_UPDATES === 'true',
          queueMax: e.EVENT_WEBHOOK_QUEUE_MAX,
          retryMaxMs: e.EVENT_WEBHOOK_RETRY_MAX_SECONDS * 1000,
        }
      : undefined,
  };
}

/** Credentials in the URL are taken out of it (so that it can be logged), MQTT_USERNAME/MQTT_PASSWORD win. */
function mqttConfig(e: EventsEnv, raw: string): MqttConfig {
  const url = new URL(raw);
  const username = e.MQTT_USERNAME ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = e.MQTT_PASSWORD ?? (url.password ? decodeURIComponent(url.password) : undefined);
  url.username = '';
  url.password = '';
  return {
    url: url.toString().replace(/\/$/, ''),
    username,
    password,
    topicPrefix: e.MQTT_TOPIC_PREFIX.replace(/^\/+|\/+$/g, ''),
    clientId: e.MQTT_CLIENT_ID,
    haDiscovery: e.MQTT_HA_DISCOVERY === 'true',
    queueMax: e.MQTT_QUEUE_MAX,
  };
}
