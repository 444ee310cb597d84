import type { Logger } from 'pino';
import { isArchived } from '../cameras/camera-file.js';
import type { CameraRegistry } from '../cameras/camera-registry.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { Backoff } from '../process/backoff.js';
import { isActive } from '../process/supervisor-state.js';
import { OwnedElsewhere } from '../streams/errors.js';
import type { StreamManager } from '../streams/manager.js';
import type { StartStream } from '../streams/start-stream.js';

export interface AlwaysOnDeps {
  registry: Pick<CameraRegistry, 'ids' | 'get' | 'onChange'>;
  manager: Pick<StreamManager, 'get'>;
  startStream: StartStream;
  bus: StreamEventBus;
  retry: { initialMs: number; maxMs: number };
  log: Logger;
}

/**
 * Keeps every CAMERAS_FILE camera with record: true (or snapshot_interval_seconds) running: started with the
 * daemon or when its entry appears, started again (with a capped, doubling
 * pause) whenever its first start fails or the stream goes away for any other
 * reason than its entry being removed. Once running, the stream's own
 * supervisor restarts FFmpeg forever. (The registry follower stops removed
 * entries and restarts changed ones.)
 */
export function createAlwaysOn({ registry, manager, startStream, bus, retry, log }: AlwaysOnDeps) {
  const backoffs = new Map<string, Backoff>();
  const timers = new Map<string, NodeJS.Timeout>();
  const unsubscribe: Array<() => void> = [];
  let closed = false;

  const recorded = (id: string) => isArchived(registry.get(id));

  const ensure = async (id: string) => {
    timers.delete(id);
    if (closed || !recorded(id)) return;
    const stream = manager.get(id);
    if (stream && isActive(stream.state)) return;
    try {
      await startStream({ id, wait: false });
    } catch (error) {
      // In a fleet another node records it; this one looks again now and then, to take over if that node dies.
      if (error instanceof OwnedElsewhere) log.debug({ stream: id, owner: error.owner }, 'recorded on another node');
      else log.warn({ stream: id, err: error }, 'cannot start a recorded camera; trying again');
      later(id);
    }
  };

  const later = (id: string) => {
    if (closed || timers.has(id) || !recorded(id)) return;
    let backoff = backoffs.get(id);
    if (!backoff) {
      backoff = new Backoff(retry);
      backoffs.set(id, backoff);
    }
    const timer = setTimeout(() => void ensure(id), backoff.next());
    timer.unref();
    timers.set(id, timer);
  };

  return {
    start() {
      unsubscribe.push(
        bus.on('stream.state', ({ id, to }) => {
          if (to === 'running') backoffs.get(id)?.reset();
          if (to === 'failed') later(id);
        }),
        // A stop of the stream (its entry changed, a registry follower's restart) is followed by a start; if not, this one.
        bus.on('stream.removed', ({ id }) => later(id)),
        registry.onChange(async ({ added, changed }) => {
          for (const id of [...added, ...changed]) await ensure(id);
        }),
      );
      for (const id of registry.ids()) void ensure(id);
    },
    close() {
      closed = true;
      for (const stop of unsubscribe.splice(0)) stop();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
