/** What a JPEG's quality scale calls "very good" (2 is best, 31 worst): a 1080p frame is about 200–400 KB. */
export const JPEG_QUALITY = 3;

/**
 * An FFmpeg output of full-size JPEGs of the frames `select` picks, on `pipe`
 * as a multipart stream whose parts carry their length (MpjpegSplitter cuts
 * it). Pure.
 */
export function jpegPipeArgs(select: string, pipe: string): string[] {
  return [
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    `select='${select}',format=yuvj420p`,
    '-fps_mode',
    'passthrough',
    '-c:v',
    'mjpeg',
    '-q:v',
    String(JPEG_QUALITY),
    // The encoder's frame threads would hold each JPEG back until the next one is encoded.
    '-threads',
    '1',
    // Each JPEG leaves as soon as it is encoded, not when the next one fills FFmpeg's 32 KiB buffer.
    '-flush_packets',
    '1',
    '-f',
    'mpjpeg',
    pipe,
  ];
}
