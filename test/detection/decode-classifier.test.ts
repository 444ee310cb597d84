import { describe, expect, it } from 'vitest';
import { decodeClassifier, softmax } from '../../src/detection/decode-classifier.js';

const row = (values: number[]) => ({ data: Float32Array.from(values), dims: [1, values.length] });

describe('softmax', () => {
  it.each([
    ['equal logits', [0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25]],
    ['ln 1, ln 2, ln 3, ln 4', [0, Math.log(2), Math.log(3), Math.log(4)], [0.1, 0.2, 0.3, 0.4]],
    ['large logits stay finite', [1000, 1000 + Math.log(3)], [0.25, 0.75]],
    ['very negative logits', [-1000, -1000], [0.5, 0.5]],
  ])('%s', (_name, logits, expected) => {
    const out = softmax(Float32Array.from(logits));
    for (const [i, p] of expected.entries()) expect(out[i]).toBeCloseTo(p, 5);
  });
});

describe('decodeClassifier', () => {
  it.each([
    [
      'logits: softmax, best first',
      [0, Math.log(4), Math.log(2), Math.log(3)],
      3,
      [
        [1, 0.4],
        [3, 0.3],
        [2, 0.2],
      ],
    ],
    [
      'k larger than C: every class',
      [Math.log(3), 0],
      5,
      [
        [0, 0.75],
        [1, 0.25],
      ],
    ],
    [
      'probabilities already: kept as they are',
      [0.1, 0.6, 0.3],
      2,
      [
        [1, 0.6],
        [2, 0.3],
      ],
    ],
    [
      'ties keep the lower class first',
      [1, 2, 2, 0],
      2,
      [
        [1, 0.3995],
        [2, 0.3995],
      ],
    ],
    ['a last class that is best', [0, 0, 0, 5], 1, [[3, 0.9802]]],
    ['values within 0..1 that do not sum to 1 are logits', [0.5, 0.5, 0.9], 1, [[2, 0.4272]]],
  ] as const)('%s', (_name, values, k, expected) => {
    const top = decodeClassifier(row([...values]), k);
    expect(top.map((c) => c.classId)).toEqual(expected.map(([id]) => id));
    for (const [i, c] of top.entries()) expect(c.score).toBeCloseTo(expected[i]![1], 3);
  });

  it('decides the order over 1000 classes exactly as a full sort does', () => {
    const values = Array.from(
      { length: 1000 },
      (_, i) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453),
    );
    const sorted = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    expect(decodeClassifier(row(values), 5).map((c) => c.classId)).toEqual(sorted.slice(0, 5).map(([, i]) => i));
  });
});
