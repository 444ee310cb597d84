import { JPEG_QUALITY } from './snapshot-args.js';

/**
 * Full-size JPEGs of the very frames the detector samples: the same select
 * expression over the same decoded frames picks the same ones, so that an
 * event's picture is the frame its box was found in. Pure.
 */
export function buildFrameJpegsArgs(fps: number, pipe: string): string[] {
  // As buildFramesArgs: 5 ms short of the interval, for RTP timestamp jitter.
  const interval = Number((1 / fps - 0.005).toFixed(4));
  return [
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${interval})',format=yuvj420p`,
    '-fps_mode',
    'passthrough',
    '-c:v',
    'mjpeg',
    '-q:v',
    String(JPEG_QUALITY),
    '-threads',
    '1',
    '-flush_packets',
    '1',
    '-f',
    'mpjpeg',
    pipe,
  ];
}
