import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import HLS from 'hls-parser';
import { waitFor } from './wait-for.js';

type MediaPlaylist = InstanceType<typeof HLS.types.MediaPlaylist>;

/** The stream's media playlist as a player gets it. */
export async function fetchPlaylist(baseUrl: string, id: string, query = ''): Promise<MediaPlaylist> {
  const response = await fetch(`${baseUrl}/streams/${id}/stream.m3u8${query}`);
  if (!response.ok) throw new Error(`playlist: HTTP ${response.status}`);
  return HLS.parse(await response.text()) as MediaPlaylist;
}

/** The URIs of the complete segments listed now. */
export async function completeSegments(baseUrl: string, id: string): Promise<string[]> {
  return (await fetchPlaylist(baseUrl, id)).segments.filter((segment) => segment.uri).map((segment) => segment.uri);
}

/**
 * Resolves once the playlist has listed `count` complete segments that were not there when called;
 * with `wholeGops`, only segments of a whole GOP count (not a low-latency run's start-up ones).
 */
export async function segmentsAdvance(
  baseUrl: string,
  id: string,
  count: number,
  timeoutMs = 10_000,
  { wholeGops = false } = {},
): Promise<void> {
  const listed = async () => {
    const { segments } = await fetchPlaylist(baseUrl, id);
    return segments.filter((segment) => segment.uri && (!wholeGops || segment.duration >= 0.9)).map((s) => s.uri);
  };
  const first = new Set(await listed().catch(() => [] as string[]));
  const seen = new Set<string>();
  await waitFor(
    async () => {
      for (const uri of await listed()) if (!first.has(uri)) seen.add(uri);
      return seen.size >= count;
    },
    { timeoutMs, what: `${count} new segments in ${id}` },
  );
}

type Segment = MediaPlaylist['segments'][number];

/**
 * The complete segments after a low-latency run's start-up ones: its short first segment and
 * the one-part segments up to its second keyframe (the packager's first-GOP cut). Whole GOPs only.
 */
export function wholeGopSegments(segments: readonly Segment[], segmentSeconds = 1): Segment[] {
  const complete = segments.filter((segment) => segment.uri);
  const firstWhole = complete.findIndex((segment) => segment.duration >= segmentSeconds * 0.9);
  return firstWhole < 0 ? [] : complete.slice(firstWhole);
}

/**
 * The first `count` complete segments that each hold a whole GOP (see wholeGopSegments), each
 * fetched over HTTP as a file a tool can open on its own: fMP4 segments get their init segment
 * (EXT-X-MAP) in front, as a player joins them.
 */
export async function playableSegments(baseUrl: string, id: string, count: number): Promise<{ files: string[]; remove(): Promise<void> }> {
  const segments = await waitFor(
    async () => {
      const whole = wholeGopSegments((await fetchPlaylist(baseUrl, id)).segments);
      return whole.length >= count ? whole : undefined;
    },
    { timeoutMs: 15_000, what: `${count} segments` },
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-segments-'));
  const get = async (uri: string) => new Uint8Array(await (await fetch(`${baseUrl}/streams/${id}/${uri}`)).arrayBuffer());
  const files: string[] = [];
  for (const segment of segments.slice(0, count)) {
    const parts = [...(segment.map ? [await get(segment.map.uri)] : []), await get(segment.uri)];
    const file = path.join(dir, segment.map ? segment.uri.replace(/\.m4s$/, '.mp4') : segment.uri);
    await writeFile(file, Buffer.concat(parts));
    files.push(file);
  }
  return { files, remove: () => rm(dir, { recursive: true, force: true }) };
}
