import type { Logger } from 'pino';
import type { StreamManager } from '../streams/manager.js';
import { CAMERA_KEY_PREFIX } from '../streams/sources.js';
import type { StartStream } from '../streams/start-stream.js';
import type { CameraRegistry } from './camera-registry.js';

export interface RegistryFollowerDeps {
  registry: Pick<CameraRegistry, 'onChange'>;
  manager: Pick<StreamManager, 'get' | 'stop'>;
  startStream: StartStream;
  log: Logger;
}

/**
 * Applies CAMERAS_FILE edits to what runs: a removed camera's stream stops, a
 * changed camera's stream restarts from its new entry (new password, new
 * address), and every other stream is left alone. Streams an API caller
 * started from an rtsp_link are not the registry's to touch, whatever their id.
 */
export function createRegistryFollower({ registry, manager, startStream, log }: RegistryFollowerDeps) {
  let unsubscribe: (() => void) | undefined;
  const fromRegistry = (id: string) => {
    const stream = manager.get(id);
    return stream?.sourceKey.startsWith(CAMERA_KEY_PREFIX) ? stream : undefined;
  };
  // One camera's failure (no capacity, no model) must not leave the others on their old entries.
  const apply = async (id: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      log.error({ stream: id, err: error }, 'could not apply the CAMERAS_FILE change to this stream');
    }
  };
  return {
    start() {
      unsubscribe = registry.onChange(async ({ removed, changed }) => {
        for (const id of removed) {
          if (!fromRegistry(id)) continue;
          log.info({ stream: id }, 'camera removed from CAMERAS_FILE; stopping its stream');
          await apply(id, () => manager.stop(id));
        }
        for (const id of changed) {
          const stream = fromRegistry(id);
          if (!stream) continue;
          log.info({ stream: id }, 'camera changed in CAMERAS_FILE; restarting its stream');
          // The same start as before, from the new entry: what the first start asked of detection still holds.
          const detect = stream.requestedDetect;
          await apply(id, async () => {
            await manager.stop(id);
            await startStream({ id, wait: false, detect });
          });
        }
      });
    },
    close() {
      unsubscribe?.();
    },
  };
}
