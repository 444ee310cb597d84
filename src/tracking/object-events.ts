import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CameraEntry } from '../cameras/camera-file.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { CameraEvents } from './camera-events.js';
import type { EventRules } from './event-rules.js';
import type { EventMessage, ObjectEvent } from './object-event.js';

export interface ObjectEventsDeps {
  bus: StreamEventBus;
  /** The daemon's rules (EVENT_*); each camera adds its objects, zones and min_area. */
  rules: Pick<EventRules, 'minFrames' | 'minScore' | 'endMs' | 'stationaryMs' | 'updateIntervalMs'>;
  /** The camera's CAMERAS_FILE entry, when it has one. */
  cameraOf(id: string): CameraEntry | undefined;
  log: Logger;
  /** Ended events kept in memory for the API. */
  keep?: number;
  clock?: () => number;
}

/** How often time is checked for objects that vanished while no frames came. */
const TICK_MS = 1000;
const KEPT_EVENTS = 1000;

/** Frigate's id shape: start time in seconds, then a random suffix. */
const newId = (startMs: number) => `${(startMs / 1000).toFixed(6)}-${randomBytes(3).toString('hex')}`;

/**
 * Tracked-object events for every stream that runs detection: listens to the
 * detections on the bus, keeps one tracker per stream, and publishes each
 * new/update/end on the bus as 'object.event' (MQTT, webhooks, the API and the
 * pages listen there). Every event that started gets an end: when its object
 * is gone, when its stream goes away, or when the daemon closes.
 */
export function createObjectEvents({ bus, rules, cameraOf, log, keep = KEPT_EVENTS, clock = Date.now }: ObjectEventsDeps) {
  const cameras = new Map<string, CameraEvents>();
  /** Recent events by id, newest last (the latest state of each). */
  const recent = new Map<string, ObjectEvent>();
  const unsubscribe: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;

  const publish = (messages: EventMessage[]) => {
    for (const message of messages) {
      recent.delete(message.after.id);
      recent.set(message.after.id, message.after);
      if (recent.size > keep) recent.delete(recent.keys().next().value!);
      if (message.type !== 'update')
        log.info({ stream: message.after.camera, event: message.after.id, label: message.after.label }, `object event ${message.type}`);
      bus.emit('object.event', message);
    }
  };

  const eventsOf = (id: string): CameraEvents => {
    let events = cameras.get(id);
    if (!events) {
      const entry = cameraOf(id);
      events = new CameraEvents({
        camera: id,
        rules: {
          ...rules,
          labels: entry?.objects ? new Set(entry.objects) : undefined,
          minArea: entry?.min_area ?? 0,
          zones: Object.entries(entry?.zones ?? {}).map(([name, points]) => ({ name, points })),
        },
        newId,
        hasClip: entry?.record === true,
      });
      cameras.set(id, events);
    }
    return events;
  };

  const closeCamera = (id: string) => {
    const events = cameras.get(id);
    cameras.delete(id);
    if (events) publish(events.close(clock()));
  };

  return {
    start() {
      unsubscribe.push(
        bus.on('detection', (frame) => publish(eventsOf(frame.indicator_id).frame(Date.parse(frame.frame_ts), frame.detections))),
        bus.on('stream.removed', ({ id }) => closeCamera(id)),
      );
      timer = setInterval(() => {
        for (const events of cameras.values()) publish(events.tick(clock()));
      }, TICK_MS);
      timer.unref();
    },
    /** Events in progress and recently ended, newest first. */
    list(): ObjectEvent[] {
      return [...recent.values()].reverse();
    },
    get(id: string): ObjectEvent | undefined {
      return recent.get(id);
    },
    close() {
      clearInterval(timer);
      for (const id of [...cameras.keys()]) closeCamera(id);
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}

export type ObjectEvents = ReturnType<typeof createObjectEvents>;
