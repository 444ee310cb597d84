import { describe, expect, it } from 'vitest';
import { blazefaceAnchors } from '../../src/detection/decode-blazeface.js';
import { COCO_LABELS, labelsFromMetadata, parseNamesMetadata } from '../../src/detection/labels.js';
import { detectModelKind, modelInput } from '../../src/detection/model-kind.js';

describe('model kind from tensor shapes', () => {
  it.each([
    ['YOLOv5 [1,25200,85]', [[1, 25200, 85]], 'yolov5'],
    ['YOLOv8 [1,84,8400]', [[1, 84, 8400]], 'yolov8'],
    ['YOLO11 custom 3 classes [1,7,8400]', [[1, 7, 8400]], 'yolov8'],
    [
      'BlazeFace front',
      [
        [1, 512, 1],
        [1, 384, 1],
        [1, 512, 16],
        [1, 384, 16],
      ],
      'blazeface',
    ],
  ] as const)('%s', (_name, outputs, kind) => {
    expect(detectModelKind(outputs.map((dims, i) => ({ name: `o${i}`, dims })))).toBe(kind);
  });

  it('takes one [N, C] output for an image classifier', () => {
    expect(detectModelKind([{ name: 'logits', dims: [1, 1000] }])).toBe('classifier');
    expect(detectModelKind([{ name: 'logits', dims: ['batch', 3] }])).toBe('classifier');
  });

  it('asks for DETECT_MODEL_TYPE when it cannot tell', () => {
    expect(() => detectModelKind([{ name: 'score', dims: [1, 1] }])).toThrow(/DETECT_MODEL_TYPE/);
    expect(() => detectModelKind([{ name: 'mask', dims: [1, 2, 64, 64] }])).toThrow(/DETECT_MODEL_TYPE/);
  });

  it('reads the input size and layout, and whether the batch is dynamic', () => {
    expect(modelInput([{ name: 'images', dims: [1, 3, 640, 640] }])).toEqual({
      name: 'images',
      layout: 'nchw',
      width: 640,
      height: 640,
      dynamicBatch: false,
    });
    expect(modelInput([{ name: 'images', dims: ['batch', 3, 480, 640] }])).toEqual({
      name: 'images',
      layout: 'nchw',
      width: 640,
      height: 480,
      dynamicBatch: true,
    });
    expect(modelInput([{ name: 'input:0', dims: [1, 128, 128, 3] }])).toEqual({
      name: 'input:0',
      layout: 'nhwc',
      width: 128,
      height: 128,
      dynamicBatch: false,
    });
    expect(() => modelInput([{ name: 'x', dims: [1, 640] }])).toThrow(/4-D/);
  });
});

describe('labels', () => {
  it('reads Ultralytics names metadata', () => {
    expect(parseNamesMetadata("{0: 'person', 1: 'forklift', 2: \"hard hat\"}")).toEqual(['person', 'forklift', 'hard hat']);
    expect(parseNamesMetadata(undefined)).toBeUndefined();
    expect(parseNamesMetadata('not a dict')).toBeUndefined();
  });

  it.each([
    ['an Ultralytics names dict', { names: "{0: 'tabby', 1: 'tiger cat'}" }, ['tabby', 'tiger cat']],
    ['a JSON array under names', { names: '["tabby", "tiger cat"]' }, ['tabby', 'tiger cat']],
    ['a JSON array under labels', { labels: '["tabby"]' }, ['tabby']],
    ['no names', { author: 'someone' }, undefined],
    ['a JSON array of numbers', { labels: '[1, 2]' }, undefined],
    ['broken JSON', { labels: '["tabby"' }, undefined],
  ] as const)('reads labels from model metadata: %s', (_name, metadata, labels) => {
    expect(labelsFromMetadata(metadata as Record<string, string>)).toEqual(labels);
  });

  it('has the 80 COCO classes by default', () => {
    expect(COCO_LABELS).toHaveLength(80);
    expect([COCO_LABELS[0], COCO_LABELS[2], COCO_LABELS[79]]).toEqual(['person', 'car', 'toothbrush']);
  });

  it('lays out the 896 BlazeFace anchors: 16×16×2 then 8×8×6', () => {
    const anchors = blazefaceAnchors(128);
    expect(anchors).toHaveLength(896);
    expect(anchors[0]).toEqual([0.5 / 16, 0.5 / 16]);
    expect(anchors[511]).toEqual([15.5 / 16, 15.5 / 16]);
    expect(anchors[512]).toEqual([0.5 / 8, 0.5 / 8]);
    expect(anchors[895]).toEqual([7.5 / 8, 7.5 / 8]);
  });
});
