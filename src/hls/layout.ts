import path from 'node:path';

/**
 * The HLS output's files in STREAM_DIR/<id>/. This module is the only place
 * that knows their names: the FFmpeg arguments, the packager's writer, the HTTP
 * server, the playlist housekeeping and the clean-up after a crash all ask here.
 *
 * mpegts (FFmpeg's own muxer): stream.m3u8, seg_<n>.ts.
 * fmp4 and lowlatency (packaged by the daemon): init_<n>.mp4, seg_<msn>.m4s, part_<n>.m4s.
 * Numbers only ever grow, so a name is never reused and can be cached for good.
 */
export const PLAYLIST_NAME = 'stream.m3u8';

/** FFmpeg's pattern for segment files; numbers never repeat (see nextSequenceNumber). */
const SEGMENT_PATTERN = 'seg_%d.ts';
const TS_SEGMENT_FILE = /^seg_\d+\.ts$/;
const MEDIA_FILE = /^(seg_\d+\.ts|seg_\d+\.m4s|part_\d+\.m4s|init_\d+\.mp4)$/;
/** Everything an HLS output writes, temp files (written, then renamed into place) included. */
const ARTEFACT = /^(stream\.m3u8|seg_\d+\.ts|seg_\d+\.m4s|part_\d+\.m4s|init_\d+\.mp4)(\.tmp)?$/;

export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';

export function playlistFile(dir: string): string {
  return path.join(dir, PLAYLIST_NAME);
}

export function segmentFilePattern(dir: string): string {
  return path.join(dir, SEGMENT_PATTERN);
}

/** An MPEG-TS segment of FFmpeg's HLS muxer. */
export function isSegmentFile(name: string): boolean {
  return TS_SEGMENT_FILE.test(name);
}

/** Any media file a player may fetch: segments, parts, init segments. */
export function isMediaFile(name: string): boolean {
  return MEDIA_FILE.test(name);
}

export function isHlsArtefact(name: string): boolean {
  return ARTEFACT.test(name);
}

export function contentTypeOf(name: string): string {
  return name.endsWith('.ts') ? 'video/mp2t' : 'video/mp4';
}

export const initName = (n: number) => `init_${n}.mp4`;
export const fmp4SegmentName = (msn: number) => `seg_${msn}.m4s`;
export const partName = (n: number) => `part_${n}.m4s`;

/** The URL path players load; the HTTP layer serves STREAM_DIR under /streams. */
export function streamPath(id: string): string {
  return `/streams/${id}/${PLAYLIST_NAME}`;
}
