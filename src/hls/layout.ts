import path from 'node:path';

/**
 * The HLS output's files in STREAM_DIR/<id>/. This module is the only place
 * that knows their names: the FFmpeg arguments, the HTTP server, the playlist
 * housekeeping and the clean-up after a crash all ask here.
 */
export const PLAYLIST_NAME = 'stream.m3u8';

/** FFmpeg's pattern for segment files; numbers never repeat (see nextSequenceNumber). */
const SEGMENT_PATTERN = 'seg_%d.ts';
const SEGMENT_FILE = /^seg_\d+\.ts$/;
/** Everything the muxer writes, temp files (written, then renamed into place) included. */
const ARTEFACT = /^(stream\.m3u8|seg_\d+\.ts)(\.tmp)?$/;

export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
export const SEGMENT_CONTENT_TYPE = 'video/mp2t';

export function playlistFile(dir: string): string {
  return path.join(dir, PLAYLIST_NAME);
}

export function segmentFilePattern(dir: string): string {
  return path.join(dir, SEGMENT_PATTERN);
}

export function isSegmentFile(name: string): boolean {
  return SEGMENT_FILE.test(name);
}

export function isHlsArtefact(name: string): boolean {
  return ARTEFACT.test(name);
}

/** The URL path players load; the HTTP layer serves STREAM_DIR under /streams. */
export function streamPath(id: string): string {
  return `/streams/${id}/${PLAYLIST_NAME}`;
}
