import { describe, expect, it } from 'vitest';
import { FrameCutter } from '../../src/detection/frame-cutter.js';
import { framesToTensor } from '../../src/detection/preprocess.js';
import { StreamSlot } from '../../src/detection/stream-slot.js';

describe('FrameCutter', () => {
  it('cuts exact frames out of arbitrary chunks, each in a buffer of its own', () => {
    const frames: Uint8Array[] = [];
    const cutter = new FrameCutter(4, (frame) => frames.push(frame));
    cutter.push(Uint8Array.from([1, 2, 3]));
    cutter.push(Uint8Array.from([4, 5, 6, 7, 8, 9, 10]));
    cutter.push(Uint8Array.from([11, 12, 13]));
    expect(frames.map((f) => [...f])).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ]);
    expect(frames[0]!.buffer).not.toBe(frames[1]!.buffer);
    expect(frames.every((f) => f.byteOffset === 0 && f.buffer.byteLength === 4)).toBe(true);
  });
});

describe('StreamSlot', () => {
  it('keeps only the newest waiting frame and counts the ones it drops', () => {
    const slot = new StreamSlot('cam');
    for (let i = 0; i < 5; i++) slot.offer({ frame: Uint8Array.of(i), arrivedAt: 1000 + i, readMs: 0 });
    expect(slot.take()?.frame[0]).toBe(4);
    expect(slot.take()).toBeUndefined();
    expect(slot.stats()).toMatchObject({ frames_in: 5, dropped: 4, inferred: 0 });
  });
});

describe('framesToTensor', () => {
  const rgb = Uint8Array.from([255, 0, 51, 0, 255, 102]); // two pixels: (255,0,51) (0,255,102)

  it('lays out NCHW planes in 0..1 for YOLO', () => {
    const t = framesToTensor([rgb], { name: 'x', layout: 'nchw', width: 2, height: 1, dynamicBatch: false }, 'unit');
    expect([...t].map((v) => Number(v.toFixed(2)))).toEqual([1, 0, 0, 1, 0.2, 0.4]);
  });

  it('keeps NHWC order in -1..1 for BlazeFace, batch after batch', () => {
    const t = framesToTensor([rgb, rgb], { name: 'x', layout: 'nhwc', width: 2, height: 1, dynamicBatch: true }, 'signed');
    expect(t).toHaveLength(12);
    expect([...t.subarray(6)].map((v) => Number(v.toFixed(2)))).toEqual([1, -1, -0.6, -1, 1, -0.2]);
  });

  it('normalizes each channel with ImageNet mean and std for classifiers, in either layout', () => {
    // (x/255 − mean)/std with mean 0.485 0.456 0.406 and std 0.229 0.224 0.225.
    const expected = (x: number, c: number) => (x / 255 - [0.485, 0.456, 0.406][c]!) / [0.229, 0.224, 0.225][c]!;
    const nchw = framesToTensor([rgb], { name: 'x', layout: 'nchw', width: 2, height: 1, dynamicBatch: false }, 'imagenet');
    const planes = [expected(255, 0), expected(0, 0), expected(0, 1), expected(255, 1), expected(51, 2), expected(102, 2)];
    for (const [i, v] of nchw.entries()) expect(v).toBeCloseTo(planes[i]!, 5);
    const nhwc = framesToTensor([rgb], { name: 'x', layout: 'nhwc', width: 2, height: 1, dynamicBatch: false }, 'imagenet');
    const packed = [expected(255, 0), expected(0, 1), expected(51, 2), expected(0, 0), expected(255, 1), expected(102, 2)];
    for (const [i, v] of nhwc.entries()) expect(v).toBeCloseTo(packed[i]!, 5);
  });
});
