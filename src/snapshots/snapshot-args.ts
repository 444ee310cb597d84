/** What a JPEG's quality scale calls "very good" (2 is best, 31 worst): a 1080p frame is about 200–400 KB. */
export const JPEG_QUALITY = 3;

/**
 * The snapshot output of the FFmpeg command: one full-resolution JPEG of a
 * keyframe every `intervalSeconds` (or at the first keyframe after, when the
 * camera's GOP is longer), on `pipe` as a multipart stream whose parts carry
 * their length. Only keyframes are picked, so that a remuxed camera's decoder
 * may skip every other frame. Pure.
 */
export function buildSnapshotArgs(intervalSeconds: number, pipe: string): string[] {
  // 50 ms short of the interval, for keyframes whose RTP timestamps jitter.
  const interval = Number(Math.max(intervalSeconds - 0.05, 0.05).toFixed(3));
  const filters = [`select='eq(pict_type,I)*(isnan(prev_selected_t)+gte(t-prev_selected_t,${interval}))'`, 'format=yuvj420p'];
  return [
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    filters.join(','),
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
