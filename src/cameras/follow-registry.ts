import type { Logger } from 'pino';
import type { FrameConsumer, StreamManager } from '../streams/manager.js';
import { CAMERA_KEY_PREFIX, type SourceResolver } from '../streams/sources.js';
import type { CameraRegistry } from './camera-registry.js';

export interface FollowRegistryDeps {
  registry: Pick<CameraRegistry, 'onChange'>;
  manager: Pick<StreamManager, 'get' | 'stop' | 'start'>;
  resolveSource: SourceResolver;
  detection(): Promise<FrameConsumer>;
  log: Logger;
}

/**
 * Applies CAMERAS_FILE edits to what runs: a removed camera's stream stops, a
 * changed camera's stream restarts from its new entry (new password, new
 * address), and every other stream is left alone. Streams an API caller
 * started from an rtsp_link are not the registry's to touch, whatever their id.
 */
export function followRegistry({ registry, manager, resolveSource, detection, log }: FollowRegistryDeps): void {
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
  registry.onChange(async ({ removed, changed }) => {
    for (const id of removed) {
      if (!fromRegistry(id)) continue;
      log.info({ stream: id }, 'camera removed from CAMERAS_FILE; stopping its stream');
      await apply(id, () => manager.stop(id));
    }
    for (const id of changed) {
      const stream = fromRegistry(id);
      if (!stream) continue;
      log.info({ stream: id }, 'camera changed in CAMERAS_FILE; restarting its stream');
      const detecting = stream.frames !== undefined;
      await apply(id, async () => {
        await manager.stop(id);
        // Reloads run one at a time and swap the entries before listeners run: this entry is the current one.
        const source = resolveSource(id, undefined);
        const consumer = (source.detect ?? detecting) ? await detection() : undefined;
        await manager.start(id, source, { wait: false, detection: consumer });
      });
    }
  });
}
