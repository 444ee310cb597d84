import type { Logger } from 'pino';
import type { FrameConsumer, StartOptions, StreamManager } from '../streams/manager.js';
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
  registry.onChange(async ({ removed, changed }) => {
    for (const id of removed) {
      if (!fromRegistry(id)) continue;
      log.info({ stream: id }, 'camera removed from CAMERAS_FILE; stopping its stream');
      await manager.stop(id).catch(() => {}); // a sweep may have got there first
    }
    for (const id of changed) {
      const stream = fromRegistry(id);
      if (!stream) continue;
      log.info({ stream: id }, 'camera changed in CAMERAS_FILE; restarting its stream');
      const detecting = stream.frames !== undefined;
      await manager.stop(id).catch(() => {});
      const source = resolveSource(id, undefined);
      const options: StartOptions = { wait: false, detection: (source.detect ?? detecting) ? await detection() : undefined };
      await manager.start(id, source, options);
    }
  });
}
