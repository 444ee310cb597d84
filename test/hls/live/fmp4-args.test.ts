import { describe, expect, it } from 'vitest';
import { buildFmp4Args } from '../../../src/hls/live/fmp4-args.js';

const MP4_TAIL = ['-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_keyframe+skip_trailer', '-frag_duration'];

describe('buildFmp4Args', () => {
  it.each([
    {
      name: 'remux, no audio, 0.12 s parts',
      args: { plan: { video: 'copy', audio: 'none' }, segmentSeconds: 1, partSeconds: 0.12, pipe: 'pipe:3' },
      expected: ['-map', '0:v:0', '-c:v', 'copy', '-an', ...MP4_TAIL, '108000', '-flush_packets', '1', 'pipe:3'],
    },
    {
      name: 'transcode with AAC, 2 s keyframes, 0.2 s parts',
      args: { plan: { video: 'transcode', audio: 'transcode' }, segmentSeconds: 2, partSeconds: 0.2, pipe: 'pipe:4' },
      expected: [
        ...['-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
        ...['-fps_mode', 'passthrough', '-force_key_frames', 'expr:gte(t,n_forced*2)', '-sc_threshold', '0', '-c:a', 'aac', '-b:a', '128k'],
        ...MP4_TAIL,
        '180000',
        '-flush_packets',
        '1',
        'pipe:4',
      ],
    },
  ] as const)('$name', ({ args, expected }) => {
    expect(buildFmp4Args({ ...args, transcodePreset: 'veryfast' })).toEqual(expected);
  });
});
