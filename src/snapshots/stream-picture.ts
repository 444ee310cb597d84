import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { playlistFile } from '../hls/layout.js';
import { LiveHlsOutput } from '../hls/live/live-hls-output.js';
import type { Stream } from '../streams/stream.js';
import { frameJpegsOf } from './frame-jpegs-output.js';
import { type HlsReader, newestSegment, segmentKeyframe } from './hls-keyframe.js';

/** A frame older than this is not "now": the HLS output's newest keyframe is fresher. */
const FRESH_MS = 2000;

/**
 * Running streams' pictures at the camera's resolution, now: the newest
 * full-size frame when a stream detects (at most 1/DETECT_FPS old), else the
 * first frame of its newest HLS segment (at most a segment old). Both come
 * from the camera's one process. A segment is decoded once, however many
 * callers (a camera wall in many tabs) ask while it is the newest.
 */
export function createStreamPictures(ffmpegPath: string, clock: () => number = Date.now) {
  const decoded = new WeakMap<Stream, { uri: string; jpeg: Promise<Buffer | undefined> }>();

  return async (stream: Stream): Promise<Buffer | undefined> => {
    const latest = frameJpegsOf(stream)?.latest();
    if (latest && clock() - latest.at <= FRESH_MS) return latest.jpeg;
    const reader = hlsReader(stream);
    const segment = await newestSegment(reader);
    if (!segment) return undefined;
    let entry = decoded.get(stream);
    if (entry?.uri !== segment.uri) {
      entry = { uri: segment.uri, jpeg: segmentKeyframe(reader, segment, ffmpegPath).catch(() => undefined) };
      decoded.set(stream, entry);
    }
    return entry.jpeg;
  };
}

export type StreamPictures = ReturnType<typeof createStreamPictures>;

function hlsReader(stream: Stream): HlsReader {
  const hls = stream.output('hls');
  if (hls instanceof LiveHlsOutput) return { playlist: () => hls.playlist({}), media: (name) => hls.media(name) };
  // FFmpeg's own HLS muxer: the playlist and segments are files in the stream's folder.
  return {
    playlist: () => readFile(playlistFile(stream.dir), 'utf8').catch(() => undefined),
    media: (name) => readFile(path.join(stream.dir, path.basename(name))).catch(() => undefined),
  };
}
