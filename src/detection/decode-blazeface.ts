import type { RawDetection, TensorOutput } from './types.js';

/**
 * Anchor centres of MediaPipe's BlazeFace: a fine grid (stride = input/16, so 8
 * for the 128 px front model) with 2 anchors per cell, then a grid twice as
 * coarse with 6. Both the front (128 px) and back (256 px) models have 896.
 */
export function blazefaceAnchors(inputSize: number): Array<[number, number]> {
  const anchors: Array<[number, number]> = [];
  for (const [stride, perCell] of [
    [inputSize / 16, 2],
    [inputSize / 8, 6],
  ] as const) {
    const cells = Math.ceil(inputSize / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) anchors.push([(x + 0.5) / cells, (y + 0.5) / cells]);
      }
    }
  }
  return anchors;
}

/**
 * Decodes the four outputs (scores and boxes for each grid) into face boxes
 * normalized to the model input. Each box row is dx, dy, w, h and six keypoints,
 * in input pixels relative to its anchor.
 */
export function decodeBlazeface(
  outputs: readonly TensorOutput[],
  inputSize: number,
  confidenceThreshold: number,
  anchors = blazefaceAnchors(inputSize),
): RawDetection[] {
  // The fine grid's outputs first, then the coarse grid's, as the anchors are laid out.
  const byCount = (lastDim: number) => outputs.filter((o) => o.dims.at(-1) === lastDim).sort((a, b) => (b.dims[1] ?? 0) - (a.dims[1] ?? 0));
  const scores = byCount(1);
  const boxes = byCount(16);
  const count = scores.reduce((sum, t) => sum + t.data.length, 0);
  if (count !== anchors.length || boxes.reduce((sum, t) => sum + t.data.length, 0) !== anchors.length * 16) {
    throw new Error(`BlazeFace outputs do not match ${anchors.length} anchors`);
  }

  // Compare raw logits with the threshold's logit: no exp() for the ~900 anchors that are background.
  const minLogit = Math.log(confidenceThreshold / (1 - confidenceThreshold));
  const detections: RawDetection[] = [];
  let i = 0;
  scores.forEach((scoreTensor, grid) => {
    const boxData = boxes[grid]!.data;
    for (let k = 0; k < scoreTensor.data.length; k++, i++) {
      const logit = scoreTensor.data[k]!;
      if (!(logit >= minLogit)) continue;
      const [ax, ay] = anchors[i]!;
      const w = boxData[k * 16 + 2]! / inputSize;
      const h = boxData[k * 16 + 3]! / inputSize;
      const cx = boxData[k * 16]! / inputSize + ax;
      const cy = boxData[k * 16 + 1]! / inputSize + ay;
      detections.push({ classId: 0, score: sigmoid(Math.min(100, logit)), box: { x: cx - w / 2, y: cy - h / 2, w, h } });
    }
  });
  return detections;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
