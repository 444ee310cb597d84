import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Fmp4Fixture {
  seconds: number;
  /** Frames between keyframes (25 fps); omit for audio only. */
  gop?: number;
  audio?: boolean;
  /** FFmpeg's -frag_duration, µs. */
  fragmentUs?: number;
}

/** Fragmented MP4 as the low-latency output asks FFmpeg for it, made by the real FFmpeg from a test pattern. */
export async function fmp4Bytes({ seconds, gop, audio = false, fragmentUs = 160_000 }: Fmp4Fixture): Promise<Uint8Array> {
  const video = gop !== undefined;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    ...(video ? ['-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25:duration=${seconds}`] : []),
    ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`] : []),
    ...(video
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0']
      : []),
    ...(audio ? ['-c:a', 'aac'] : []),
    '-f',
    'mp4',
    '-movflags',
    'empty_moov+default_base_moof+frag_keyframe+skip_trailer',
    '-frag_duration',
    String(fragmentUs),
    'pipe:1',
  ];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return new Uint8Array(stdout);
}

/** The same bytes in chunks of a given size, as a pipe might deliver them. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

/** Top-level boxes as [type, start, end], to cut fixtures at box boundaries. */
export function topLevelBoxes(bytes: Uint8Array): Array<[string, number, number]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Array<[string, number, number]> = [];
  for (let offset = 0; offset < bytes.length; ) {
    const size = view.getUint32(offset);
    boxes.push([String.fromCharCode(...bytes.subarray(offset + 4, offset + 8)), offset, offset + size]);
    offset += size;
  }
  return boxes;
}
