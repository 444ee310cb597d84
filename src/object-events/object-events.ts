import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CameraEntry } from '../cameras/camera-file.js';
import type { StreamEventBus } from '../events/stream-events.js';
import type { FrameJpegsOutput } from '../snapshots/frame-jpegs-output.js';
import { CameraEvents } from '../tracking/camera-events.js';
import type { EventRules } from '../tracking/event-rules.js';
import type { EventMessage, EventPicture } from '../tracking/object-event.js';
import type { EventPictures } from './event-pictures.js';
import type { EventStore } from './event-store.js';

export interface ObjectEventsDeps {
  bus: StreamEventBus;
  store: EventStore;
  pictures: EventPictures;
  /** The stream's full-size frames, when it has them (it detects). */
  framesOf(id: string): Pick<FrameJpegsOutput, 'nearest'> | undefined;
  /** The daemon's rules (EVENT_*); each camera adds its objects, zones and min_area. */
  rules: Pick<EventRules, 'minFrames' | 'minScore' | 'endMs' | 'stationaryMs' | 'updateIntervalMs'>;
  /** EVENT_RETAIN_DAYS. */
  retainDays: number;
  /** The camera's CAMERAS_FILE entry, when it has one. */
  cameraOf(id: string): CameraEntry | undefined;
  log: Logger;
  clock?: () => number;
}

/** How often time is checked for objects that vanished while no frames came. */
const TICK_MS = 1000;
const RETENTION_INTERVAL_MS = 3_600_000;
const DAY_SECONDS = 86_400;

/** Frigate's id shape: start time in seconds, then a random suffix. */
const newId = (startMs: number) => `${(startMs / 1000).toFixed(6)}-${randomBytes(3).toString('hex')}`;

/**
 * Tracked-object events for every stream that runs detection: listens to the
 * detections on the bus, keeps one tracker per stream, stores each event's
 * latest state and publishes each new/update/end on the bus as 'object.event'
 * (MQTT, webhooks and the event stream listen there). Every event that started
 * gets an end: when its object is gone, when its stream goes away, when the
 * daemon closes, or, after a crash, when the next run starts.
 */
export function createObjectEvents({
  bus,
  store,
  pictures,
  framesOf,
  rules,
  retainDays,
  cameraOf,
  log,
  clock = Date.now,
}: ObjectEventsDeps) {
  const cameras = new Map<string, CameraEvents>();
  /** The best picture of each event in progress, for MQTT. */
  const bestPictures = new Map<string, Buffer>();
  const unsubscribe: Array<() => void> = [];
  const timers: NodeJS.Timeout[] = [];

  const publish = (messages: EventMessage[]) => {
    for (const message of messages) {
      try {
        store.save(message.after, clock());
      } catch (error) {
        log.error({ err: error, event: message.after.id }, 'cannot store an event');
      }
      if (message.type !== 'update') {
        log.info({ stream: message.after.camera, event: message.after.id, label: message.after.label }, `object event: ${message.type}`);
      }
      bus.emit('object.event', message);
      const { after, before } = message;
      const picture = bestPictures.get(after.id);
      if (picture && (message.type === 'new' || after.snapshot?.frame_time !== before.snapshot?.frame_time)) {
        bus.emit('object.picture', { event: after, jpeg: picture });
      }
      if (message.type === 'end') bestPictures.delete(after.id);
    }
  };

  /** Keeps the frame of a new best detection as the event's picture, if that frame is still in memory. */
  const keepPicture = (camera: string) => (id: string, picture: EventPicture) => {
    const frame = framesOf(camera)?.nearest(picture.frame_time * 1000);
    if (!frame) return false;
    bestPictures.set(id, frame.jpeg);
    pictures.save(id, frame.jpeg).catch((error: unknown) => log.error({ err: error, event: id }, 'cannot store an event picture'));
    return true;
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
        keepPicture: keepPicture(id),
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

  const sweep = () => {
    const gone = store.deleteEndedBefore(clock() / 1000 - retainDays * DAY_SECONDS);
    if (gone.length === 0) return;
    log.info({ count: gone.length }, 'event retention: deleted events');
    pictures.remove(gone).catch((error: unknown) => log.error({ err: error }, 'cannot delete event pictures'));
  };

  return {
    start() {
      const dangling = store.endDangling();
      if (dangling.length) log.warn({ count: dangling.length }, 'ending the events a previous run left open');
      for (const { before, after } of dangling) bus.emit('object.event', { type: 'end', before, after });
      unsubscribe.push(
        bus.on('detection', (frame) => publish(eventsOf(frame.indicator_id).frame(Date.parse(frame.frame_ts), frame.detections))),
        bus.on('stream.removed', ({ id }) => closeCamera(id)),
      );
      timers.push(
        setInterval(() => {
          for (const events of cameras.values()) publish(events.tick(clock()));
        }, TICK_MS),
        setInterval(sweep, RETENTION_INTERVAL_MS),
      );
      for (const timer of timers) timer.unref();
      sweep();
    },
    close() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      for (const id of [...cameras.keys()]) closeCamera(id);
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}

export type ObjectEvents = ReturnType<typeof createObjectEvents>;
