import path from 'node:path';

/**
 * The one owner of the recordings' layout on disk and in S3:
 * RECORD_DIR/<id>/YYYY-MM-DD/HH-MM-SS.mp4, named by the UTC time the segment began,
 * and HH-MM-SS.jpg beside them for the periodic snapshots (snapshot_interval_seconds).
 */

/** FFmpeg's strftime pattern for a camera's segments, relative to its folder (FFmpeg runs with TZ=UTC). */
export const SEGMENT_PATTERN = '%Y-%m-%d/%H-%M-%S.mp4';

/** Where the index of a camera's segments lives, beside them. */
export const INDEX_FILE = 'index.jsonl';

const RECORDED_NAME = /^(\d{4})-(\d{2})-(\d{2})\/(\d{2})-(\d{2})-(\d{2})\.(mp4|jpg)$/;

export function cameraDir(root: string, id: string): string {
  return path.join(root, id);
}

/** YYYY-MM-DD of a UTC time: the day folder FFmpeg will write into. */
export function dayFolder(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** "YYYY-MM-DD/HH-MM-SS.mp4" of a segment that began at `at` (".jpg": of a snapshot taken then). */
export function recordedName(at: Date, extension: 'mp4' | 'jpg' = 'mp4'): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)}/${iso.slice(11, 19).replaceAll(':', '-')}.${extension}`;
}

/** The UTC time a recorded file's name stands for, or undefined for anything that is not one of ours. */
export function startOfRecorded(name: string): Date | undefined {
  const match = RECORDED_NAME.exec(name);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2026-02-31 over into March: such a name was not written by us or FFmpeg.
  return recordedName(at, match[7] as 'mp4' | 'jpg') === name ? at : undefined;
}

/** A snapshot's JPEG rather than a video segment. */
export function isSnapshot(name: string): boolean {
  return name.endsWith('.jpg');
}

export function contentTypeOf(name: string): string {
  return isSnapshot(name) ? 'image/jpeg' : 'video/mp4';
}

/** <prefix>/<id>/YYYY/MM/DD/HH-MM-SS.mp4 */
export function objectKey(prefix: string, id: string, name: string): string {
  const [day, file] = name.split('/') as [string, string];
  return [prefix, id, ...day.split('-'), file].filter(Boolean).join('/');
}
