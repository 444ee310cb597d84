import { describe, expect, it } from 'vitest';
import type { RecordedSegment } from '../../src/recording/segment.js';
import { overlapping, spansOf } from '../../src/recording/spans.js';

const at = (s: number) => Date.UTC(2026, 11, 2, 10, 0, 0) + s * 1000;
const segment = (startS: number, duration: number): RecordedSegment => ({ name: `x${startS}`, start: at(startS), duration, bytes: 1 });

describe('spansOf', () => {
  it.each([
    { name: 'nothing', segments: [], spans: [] },
    { name: 'one segment', segments: [segment(0, 60)], spans: [[0, 60]] },
    { name: 'back to back', segments: [segment(0, 60), segment(60, 60), segment(120, 30)], spans: [[0, 150]] },
    { name: 'timing jitter', segments: [segment(0, 60), segment(60.05, 10)], spans: [[0, 70.05]] },
    {
      name: 'a restart of FFmpeg',
      segments: [segment(0, 60), segment(60.2, 10)],
      spans: [
        [0, 60],
        [60.2, 70.2],
      ],
    },
    { name: 'overlap from second-resolution names', segments: [segment(0, 60.5), segment(60, 10)], spans: [[0, 70]] },
  ])('$name', ({ segments, spans }) => {
    expect(spansOf(segments)).toEqual(spans.map(([start, end]) => ({ start: at(start!), end: at(end!) })));
  });
});

describe('overlapping', () => {
  const segments = [segment(0, 60), segment(60, 60), segment(130, 60)];
  it.each([
    { from: 0, to: 1, names: ['x0'] },
    { from: 59, to: 61, names: ['x0', 'x60'] },
    { from: 60, to: 61, names: ['x60'] },
    { from: 121, to: 129, names: [] },
    { from: -100, to: 1000, names: ['x0', 'x60', 'x130'] },
    { from: 190, to: 200, names: [] },
  ])('[$from, $to)', ({ from, to, names }) => {
    expect(overlapping(segments, at(from), at(to)).map((s) => s.name)).toEqual(names);
  });
});
