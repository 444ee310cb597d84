import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isSegmentFile } from './layout.js';

export interface Playlist {
  mediaSequence: number;
  segments: Array<{ uri: string; duration: number }>;
}

/** Reads the few fields of a media playlist we act on. */
export function parsePlaylist(text: string): Playlist {
  let mediaSequence = 0;
  let pendingDuration: number | undefined;
  const segments: Playlist['segments'] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) {
      mediaSequence = Number(line.slice('#EXT-X-MEDIA-SEQUENCE:'.length)) || 0;
    } else if (line.startsWith('#EXTINF:')) {
      pendingDuration = Number.parseFloat(line.slice('#EXTINF:'.length));
    } else if (line && !line.startsWith('#') && pendingDuration !== undefined) {
      segments.push({ uri: line, duration: pendingDuration });
      pendingDuration = undefined;
    }
  }
  return { mediaSequence, segments };
}

/** The playlist on disk, or undefined while FFmpeg has not written one yet. */
export async function readPlaylist(file: string): Promise<Playlist | undefined> {
  try {
    return parsePlaylist(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The newest segment, which changes exactly when the stream advances. */
export function newestSegment(playlist: Playlist | undefined): string | undefined {
  return playlist?.segments.at(-1)?.uri;
}

/**
 * The first segment number for a new FFmpeg run: the epoch second (so numbers
 * rise across stop and start), but never at or below a segment already listed.
 */
export function nextSequenceNumber(previous: Playlist | undefined, nowMs: number): number {
  const epoch = Math.floor(nowMs / 1000);
  if (!previous || previous.segments.length === 0) return epoch;
  return Math.max(epoch, previous.mediaSequence + previous.segments.length);
}

/** Deletes segment files the playlist does not list (left by an FFmpeg that died). */
export async function removeUnlistedSegments(dir: string, playlist: Playlist | undefined): Promise<void> {
  const listed = new Set(playlist?.segments.map((segment) => segment.uri));
  const files = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(files.filter((f) => isSegmentFile(f) && !listed.has(f)).map((f) => rm(path.join(dir, f), { force: true })));
}
