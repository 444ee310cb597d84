import type { RawDetection } from './types.js';

/**
 * Ultralytics YOLO exports, told apart by their output shape:
 * - v5: [1, N, 5 + C], each row cx, cy, w, h, objectness, C class scores;
 * - v8/v11: [1, 4 + C, N], each column cx, cy, w, h, C class scores.
 * Coordinates are model-input pixels; the result is normalized to the input.
 */
export type YoloLayout = 'yolov5' | 'yolov8';

export interface YoloOutput {
  data: Float32Array;
  dims: readonly number[];
}

export function decodeYolo(
  output: YoloOutput,
  layout: YoloLayout,
  input: { width: number; height: number },
  confidenceThreshold: number,
): RawDetection[] {
  const [, a = 0, b = 0] = output.dims;
  const v5 = layout === 'yolov5';
  const count = v5 ? a : b;
  const attributes = v5 ? b : a;
  const classes = attributes - (v5 ? 5 : 4);
  // v5 rows are contiguous; v8 stores each attribute as a row of N values.
  const at = v5 ? (i: number, k: number) => output.data[i * attributes + k]! : (i: number, k: number) => output.data[k * count + i]!;
  const firstClass = v5 ? 5 : 4;

  const detections: RawDetection[] = [];
  for (let i = 0; i < count; i++) {
    const objectness = v5 ? at(i, 4) : 1;
    if (objectness < confidenceThreshold) continue;
    let classId = 0;
    let best = -Infinity;
    for (let c = 0; c < classes; c++) {
      const score = at(i, firstClass + c);
      if (score > best) {
        best = score;
        classId = c;
      }
    }
    const score = objectness * best;
    if (score < confidenceThreshold) continue;
    const w = at(i, 2);
    const h = at(i, 3);
    detections.push({
      classId,
      score,
      box: { x: (at(i, 0) - w / 2) / input.width, y: (at(i, 1) - h / 2) / input.height, w: w / input.width, h: h / input.height },
    });
  }
  return detections;
}
