import { describe, expect, it } from 'vitest';
import { clipArgs, concatScript } from '../../src/recording/clip.js';

const at = (s: number) => Date.UTC(2026, 11, 2, 10, 0, 0) + s * 1000;
const piece = (file: string, startS: number, duration: number) => ({
  file,
  segment: { name: file, start: at(startS), duration, bytes: 1 },
});

describe('concatScript', () => {
  it.each([
    {
      name: 'a range inside one segment',
      pieces: [piece('/r/a.mp4', 0, 60)],
      from: 10,
      to: 20,
      script: ["file 'file:/r/a.mp4'", 'inpoint 10.000', 'outpoint 20.000'],
    },
    {
      name: 'a range across two segments',
      pieces: [piece('/r/a.mp4', 0, 60), piece('/r/b.mp4', 60, 60)],
      from: 30,
      to: 90,
      script: ["file 'file:/r/a.mp4'", 'inpoint 30.000', "file 'file:/r/b.mp4'", 'outpoint 30.000'],
    },
    {
      name: 'whole segments',
      pieces: [piece('/r/a.mp4', 0, 60), piece('/r/b.mp4', 60, 60)],
      from: -5,
      to: 200,
      script: ["file 'file:/r/a.mp4'", "file 'file:/r/b.mp4'"],
    },
    {
      name: 'a quote in a path',
      pieces: [piece("/r/it's.mp4", 0, 60)],
      from: 0,
      to: 60,
      script: ["file 'file:/r/it'\\''s.mp4'"],
    },
  ])('$name', ({ pieces, from, to, script }) => {
    expect(concatScript(pieces, at(from), at(to))).toBe(`${['ffconcat version 1.0', ...script].join('\n')}\n`);
  });
});

describe('clipArgs', () => {
  it('remuxes the script on stdin to fragmented MP4 on stdout, reading local files only', () => {
    expect(clipArgs()).toEqual([
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'concat',
      '-safe',
      '0',
      '-protocol_whitelist',
      'file,pipe',
      '-i',
      'pipe:0',
      '-map',
      '0',
      '-c',
      'copy',
      '-f',
      'mp4',
      '-movflags',
      'frag_keyframe+empty_moov+default_base_moof',
      'pipe:1',
    ]);
  });
});
