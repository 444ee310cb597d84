import type { RawClassification, TensorOutput } from './types.js';

/**
 * One image's row of class scores ([1, C]) → the k best classes, best first.
 * Exports differ: torchvision's MobileNet ends in logits, Ultralytics' -cls
 * models and many Keras exports end in a softmax already. A row that is
 * already a probability distribution is taken as it is; softmax again would
 * flatten it towards uniform.
 */
export function decodeClassifier(output: TensorOutput, topK: number): RawClassification[] {
  const scores = isDistribution(output.data) ? output.data : softmax(output.data);
  return topIndices(scores, topK).map((classId) => ({ classId, score: scores[classId]! }));
}

/** Numerically stable softmax: subtracting the maximum keeps exp() finite for large logits. */
export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const value of logits) if (value > max) max = value;
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** Every value within 0..1 and a sum of 1 (to float32 rounding over up to a few thousand classes). */
function isDistribution(values: Float32Array): boolean {
  let sum = 0;
  for (const value of values) {
    if (!(value >= 0 && value <= 1)) return false;
    sum += value;
  }
  return Math.abs(sum - 1) < 1e-3;
}

/**
 * Indices of the k largest values, largest first; ties keep the lower index.
 * k is small (5) and C about 1000: one pass with a short sorted list beats sorting all C.
 */
function topIndices(values: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (best.length === k && !(value > values[best[k - 1]!]!)) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && values[best[at - 1]!]! < value) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}
