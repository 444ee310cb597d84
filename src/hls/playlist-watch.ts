import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PLAYLIST_NAME, playlistFile } from './layout.js';
import { newestSegment, readPlaylist } from './playlist.js';

/** inotify says when FFmpeg renames a new playlist into place; this poll is only a safety net (network file systems). */
const SAFETY_POLL_MS = 1000;

export interface PlaylistWatch {
  close(): void;
}

/**
 * Calls `onSegment` with each segment the playlist gains, at the moment
 * FFmpeg renames the new playlist into place. `known` is the newest segment
 * already listed (a previous run's), which is not news.
 */
export function watchPlaylist(
  dir: string,
  known: string | undefined,
  onSegment: (segment: { file: string; bytes: number | undefined }) => void,
): PlaylistWatch {
  let last = known;
  let reading = false;
  let again = false;
  let closed = false;
  const check = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const newest = newestSegment(await readPlaylist(playlistFile(dir)).catch(() => undefined));
        if (closed || newest === undefined || newest === last) continue;
        last = newest;
        const bytes = await stat(path.join(dir, newest)).then(
          (info) => info.size,
          () => undefined, // already rotated away
        );
        if (!closed) onSegment({ file: newest, bytes });
      } while (again && !closed);
    } finally {
      reading = false;
    }
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, (_event, name) => {
      if (name === PLAYLIST_NAME) void check();
    });
    watcher.on('error', () => {}); // the folder went away with the stream; the poll below still ends with close()
  } catch {
    // No inotify here: the poll alone keeps watch.
  }
  const poll = setInterval(() => void check(), SAFETY_POLL_MS);
  return {
    close: () => {
      closed = true;
      clearInterval(poll);
      watcher?.close();
    },
  };
}
