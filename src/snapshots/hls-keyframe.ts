import { execa } from 'execa';
import HLS from 'hls-parser';
import { JPEG_QUALITY } from './jpeg-pipe-args.js';

/** Where a stream's HLS can be read: its current playlist and its media files by name. */
export interface HlsReader {
  playlist(): Promise<string | undefined>;
  media(name: string): Promise<Uint8Array | undefined>;
}

const TIMEOUT_MS = 5000;

/** The newest finished segment's name, and its init segment's when it has one; undefined before the first. */
export async function newestSegment(reader: HlsReader): Promise<{ uri: string; map?: string } | undefined> {
  const text = await reader.playlist();
  if (!text) return undefined;
  const playlist = HLS.parse(text);
  if (!('segments' in playlist)) return undefined;
  const segment = playlist.segments.filter((s) => s.uri).at(-1);
  return segment ? { uri: segment.uri, ...(segment.map ? { map: segment.map.uri } : {}) } : undefined;
}

/**
 * The first picture of a finished HLS segment as a full-size JPEG: every
 * segment begins with a keyframe, so one frame is decoded, from bytes the
 * daemon already holds (no second camera connection).
 */
export async function segmentKeyframe(
  reader: HlsReader,
  segment: { uri: string; map?: string },
  ffmpegPath: string,
): Promise<Buffer | undefined> {
  const pieces = await Promise.all([segment.map ? reader.media(segment.map) : undefined, reader.media(segment.uri)]);
  if (!pieces[1]) return undefined;
  const input = Buffer.concat(pieces.filter((piece): piece is Uint8Array => piece !== undefined));
  const { stdout } = await execa(
    ffmpegPath,
    [
      '-hide_banner',
      '-v',
      'error',
      '-i',
      'pipe:0',
      '-map',
      '0:v:0',
      '-frames:v',
      '1',
      '-c:v',
      'mjpeg',
      '-q:v',
      String(JPEG_QUALITY),
      '-f',
      'image2pipe',
      'pipe:1',
    ],
    { input, encoding: 'buffer', timeout: TIMEOUT_MS, stripFinalNewline: false },
  );
  return stdout.length > 0 ? Buffer.from(stdout) : undefined;
}
