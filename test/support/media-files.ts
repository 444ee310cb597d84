import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A short H.264 MP4 made by FFmpeg: the test pattern with a frame counter, or a
 * still image (for detection). One keyframe a second, like a camera, so that
 * segments are cut every second when it is remuxed.
 */
export async function makeTestVideo(
  file: string,
  {
    seconds,
    fps = 25,
    width = 320,
    height = 240,
    image,
  }: { seconds: number; fps?: number; width?: number; height?: number; image?: string },
): Promise<void> {
  const source = image
    ? ['-loop', '1', '-framerate', String(fps), '-i', image]
    : ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...source,
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(fps),
      '-keyint_min',
      String(fps),
      '-sc_threshold',
      '0',
      '-bf',
      '0',
      '-movflags',
      '+faststart',
      file,
    ],
    { timeout: 60_000 },
  );
}
