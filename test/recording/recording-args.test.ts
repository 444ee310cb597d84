import { describe, expect, it } from 'vitest';
import { objectKey, recordedName, startOfRecorded } from '../../src/recording/layout.js';
import { buildRecordingArgs } from '../../src/recording/recording-args.js';

const SEGMENTER = [
  '-f',
  'segment',
  '-segment_time',
  '60',
  '-segment_format',
  'mp4',
  '-segment_format_options',
  'movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=1000000:flush_packets=1',
  '-reset_timestamps',
  '1',
  '-strftime',
  '1',
  '-segment_list',
  'pipe:4',
  '-segment_list_type',
  'csv',
  '/rec/gate/%Y-%m-%d/%H-%M-%S.mp4',
];

describe('buildRecordingArgs', () => {
  it.each([
    {
      name: 'H.264 and AAC copied',
      plan: { video: 'copy', audio: 'copy' } as const,
      media: ['-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy'],
    },
    {
      name: 'video copied, no audio',
      plan: { video: 'copy', audio: 'none' } as const,
      media: ['-map', '0:v:0', '-c:v', 'copy', '-an'],
    },
    {
      name: 'MJPEG transcoded, G.711 to AAC',
      plan: { video: 'transcode', audio: 'transcode' } as const,
      media: [
        '-map',
        '0:v:0',
        '-map',
        '0:a:0?',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-tune',
        'zerolatency',
        '-pix_fmt',
        'yuv420p',
        '-fps_mode',
        'passthrough',
        '-force_key_frames',
        'expr:gte(t,n_forced*2)',
        '-sc_threshold',
        '0',
        '-c:a',
        'aac',
        '-b:a',
        '128k',
      ],
    },
  ])('$name', ({ plan, media }) => {
    expect(buildRecordingArgs({ plan, transcodePreset: 'veryfast', segmentSeconds: 60, dir: '/rec/gate', pipe: 'pipe:4' })).toEqual([
      ...media,
      ...SEGMENTER,
    ]);
  });
});

describe('layout', () => {
  it('names segments by their UTC start and reads the names back', () => {
    const at = new Date(Date.UTC(2026, 0, 5, 3, 4, 9));
    expect(recordedName(at)).toBe('2026-01-05/03-04-09.mp4');
    expect(startOfRecorded('2026-01-05/03-04-09.mp4')).toEqual(at);
  });

  it.each(['2026-02-31/10-00-00.mp4', '2026-01-05/03-04-09.ts', 'index.jsonl', '../x/2026-01-05/03-04-09.mp4', '2026-01-05/25-00-00.mp4'])(
    'does not take %s for a segment',
    (name) => {
      expect(startOfRecorded(name)).toBeUndefined();
    },
  );

  it('keys objects <prefix>/<id>/YYYY/MM/DD/HH-MM-SS.mp4', () => {
    expect(objectKey('site-a', 'gate', '2026-01-05/03-04-09.mp4')).toBe('site-a/gate/2026/01/05/03-04-09.mp4');
    expect(objectKey('', 'gate', '2026-01-05/03-04-09.mp4')).toBe('gate/2026/01/05/03-04-09.mp4');
  });
});
