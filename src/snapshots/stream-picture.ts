import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { playlistFile } from '../hls/layout.js';
import { LiveHlsOutput } from '../hls/live/live-hls-output.js';
import type { Stream } from '../streams/stream.js';
import { FrameJpegsOutput } from './frame-jpegs-output.js';
import { type HlsReader, latestHlsKeyframe } from './hls-keyframe.js';

/** A frame older than this is not "now": the HLS output's newest keyframe is fresher. */
const FRESH_MS = 2000;

/**
 * A running stream's picture at the camera's resolution, now: the newest
 * full-size frame when it detects (at most 1/DETECT_FPS old), else the first
 * frame of its newest HLS segment (at most a segment old). Both come from the
 * camera's one process.
 */
export async function latestStreamPicture(
  stream: Stream,
  ffmpegPath: string,
  clock: () => number = Date.now,
): Promise<{ jpeg: Buffer; at?: number } | undefined> {
  const frames = stream.output('frame-jpegs');
  const latest = frames instanceof FrameJpegsOutput ? frames.latest() : undefined;
  if (latest && clock() - latest.at <= FRESH_MS) return latest;
  const jpeg = await latestHlsKeyframe(hlsReader(stream), ffmpegPath);
  return jpeg ? { jpeg } : undefined;
}

function hlsReader(stream: Stream): HlsReader {
  const hls = stream.output('hls');
  if (hls instanceof LiveHlsOutput) return { playlist: () => hls.playlist({}), media: (name) => hls.media(name) };
  // FFmpeg's own HLS muxer: the playlist and segments are files in the stream's folder.
  return {
    playlist: () => readFile(playlistFile(stream.dir), 'utf8').catch(() => undefined),
    media: (name) => readFile(path.join(stream.dir, path.basename(name))).catch(() => undefined),
  };
}
