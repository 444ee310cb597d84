import type { RawDetection, TensorOutput } from './types.js';

/**
 * Ultralytics YOLO exports, told apart by their output shape:
 * - v5: [1, N, 5 + C], each row cx, cy, w, h, objectness, C class scores;
 * - v8/v11: [1, 4 + C, N], each column cx, cy, w, h, C class scores.
 * Coordinates are model-input pixels; the result is normalized to the input.
 */
export type YoloLayout = 'yolov5' | 'yolov8';

export function decodeYolo(
  output: TensorOutput,
  layout: YoloLayout,
  input: { width: number; height: number },
  confidenceThreshold: number,
): RawDetection[] {
  const [, a = 0, b = 0] = output.dims;
  return layout === 'yolov5'
    ? decodeRows(output.data, a, b, input, confidenceThreshold)
    : decodeColumns(output.data, b, a, input, confidenceThreshold);
}

/** v5: one row of 5 + C values per candidate, contiguous in memory. */
function decodeRows(data: Float32Array, count: number, attributes: number, input: Size, threshold: number): RawDetection[] {
  const detections: RawDetection[] = [];
  for (let i = 0, row = 0; i < count; i++, row += attributes) {
    const objectness = data[row + 4]!;
    if (objectness < threshold) continue;
    let classId = 0;
    let best = -Infinity;
    for (let c = 5; c < attributes; c++) {
      if (data[row + c]! > best) {
        best = data[row + c]!;
        classId = c - 5;
      }
    }
    const score = objectness * best;
    if (score >= threshold) detections.push(toDetection(classId, score, data[row]!, data[row + 1]!, data[row + 2]!, data[row + 3]!, input));
  }
  return detections;
}

/**
 * v8/v11: each attribute is a row of N values. Reading one candidate's C class
 * scores would jump N floats at a time (a cache miss each); sweeping the class
 * rows in order and keeping a running best per candidate reads memory straight through.
 */
function decodeColumns(data: Float32Array, count: number, attributes: number, input: Size, threshold: number): RawDetection[] {
  const best = new Float32Array(count).fill(-Infinity);
  const bestClass = new Uint32Array(count);
  for (let c = 0; c < attributes - 4; c++) {
    const row = (4 + c) * count;
    for (let i = 0; i < count; i++) {
      if (data[row + i]! > best[i]!) {
        best[i] = data[row + i]!;
        bestClass[i] = c;
      }
    }
  }
  const detections: RawDetection[] = [];
  for (let i = 0; i < count; i++) {
    if (!(best[i]! >= threshold)) continue;
    detections.push(toDetection(bestClass[i]!, best[i]!, data[i]!, data[count + i]!, data[2 * count + i]!, data[3 * count + i]!, input));
  }
  return detections;
}

type Size = { width: number; height: number };

/** Centre, width and height in model-input pixels → a box normalized to the input. */
function toDetection(classId: number, score: number, cx: number, cy: number, w: number, h: number, input: Size): RawDetection {
  return {
    classId,
    score,
    box: { x: (cx - w / 2) / input.width, y: (cy - h / 2) / input.height, w: w / input.width, h: h / input.height },
  };
}
