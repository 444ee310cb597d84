import { describe, expect, it } from 'vitest';
import { letterbox, undoLetterbox } from '../../src/detection/letterbox.js';
import { classwiseNms, iou, weightedNms } from '../../src/detection/nms.js';

describe('letterbox', () => {
  it.each([
    ['16:9 into a square', [1920, 1080, 640, 640], { contentWidth: 640, contentHeight: 360, offsetX: 0, offsetY: 140 }],
    ['640x360 into 128', [640, 360, 128, 128], { contentWidth: 128, contentHeight: 72, offsetX: 0, offsetY: 28 }],
    ['portrait', [720, 1280, 640, 640], { contentWidth: 360, contentHeight: 640, offsetX: 140, offsetY: 0 }],
    ['square into a square', [512, 512, 128, 128], { contentWidth: 128, contentHeight: 128, offsetX: 0, offsetY: 0 }],
    ['odd sizes round down to even', [1000, 333, 128, 128], { contentWidth: 128, contentHeight: 42, offsetX: 0, offsetY: 43 }],
  ] as const)('%s', (_name, [sw, sh, w, h], expected) => {
    expect(letterbox(sw, sh, w, h)).toEqual({ width: w, height: h, ...expected });
  });

  it('maps a box in the model input back onto the source frame', () => {
    const lb = letterbox(1920, 1080, 640, 640); // content rows 140..500
    // The whole content area is the whole frame.
    expect(undoLetterbox({ x: 0, y: 140 / 640, w: 1, h: 360 / 640 }, lb)).toEqual({ x: 0, y: 0, w: 1, h: 1 });
    const box = undoLetterbox({ x: 0.25, y: 320 / 640, w: 0.5, h: 90 / 640 }, lb);
    expect(box.x).toBeCloseTo(0.25);
    expect(box.y).toBeCloseTo(0.5);
    expect(box.w).toBeCloseTo(0.5);
    expect(box.h).toBeCloseTo(0.25);
  });

  it('clips boxes that reach into the bars', () => {
    const box = undoLetterbox({ x: 0.9, y: 0, w: 0.2, h: 0.5 }, letterbox(1920, 1080, 640, 640));
    expect(box).toEqual({ x: 0.9, y: 0, w: expect.closeTo(0.1, 6), h: expect.closeTo(180 / 360, 6) });
  });
});

describe('nms', () => {
  const box = (x: number, y: number, w = 0.2, h = 0.2) => ({ x, y, w, h });

  it('computes intersection over union', () => {
    expect(iou(box(0, 0), box(0, 0))).toBe(1);
    expect(iou(box(0, 0), box(0.5, 0.5))).toBe(0);
    expect(iou(box(0, 0, 0.2, 0.2), box(0.1, 0, 0.2, 0.2))).toBeCloseTo(1 / 3);
  });

  it('suppresses overlaps within a class only', () => {
    const kept = classwiseNms(
      [
        { classId: 0, score: 0.9, box: box(0, 0) },
        { classId: 0, score: 0.8, box: box(0.01, 0.01) }, // same person, weaker: gone
        { classId: 1, score: 0.7, box: box(0.01, 0.01) }, // a dog in the same place: kept
        { classId: 0, score: 0.6, box: box(0.6, 0.6) }, // another person: kept
      ],
      0.45,
    );
    expect(kept.map((d) => [d.classId, d.score])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [0, 0.6],
    ]);
  });

  it('averages overlapping faces by score (weighted NMS)', () => {
    const [merged, other] = weightedNms(
      [
        { classId: 0, score: 0.75, box: box(0.1, 0.1) },
        { classId: 0, score: 0.25, box: box(0.14, 0.1) },
        { classId: 0, score: 0.5, box: box(0.7, 0.7) },
      ],
      0.3,
    );
    expect(merged!.score).toBe(0.75);
    expect(merged!.box.x).toBeCloseTo(0.11);
    expect(other!.box.x).toBeCloseTo(0.7);
  });

  it('copes with degenerate boxes that overlap nothing, not even themselves', () => {
    const zero = { classId: 0, score: 0.6, box: box(0.5, 0.5, 0, 0) };
    expect(weightedNms([zero, { ...zero, score: 0.55 }], 0.3)).toHaveLength(2);
    expect(classwiseNms([zero, zero], 0.3)).toHaveLength(2);
  });
});
