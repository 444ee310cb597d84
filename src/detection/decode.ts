import { blazefaceAnchors, decodeBlazeface } from './decode-blazeface.js';
import { decodeYolo } from './decode-yolo.js';
import type { ModelInput, ModelKind } from './model-kind.js';
import { classwiseNms, weightedNms } from './nms.js';
import type { PixelRange } from './preprocess.js';
import type { RawDetection, TensorOutput } from './types.js';

export interface Thresholds {
  confidence: number;
  iou: number;
}

export function pixelRangeOf(kind: ModelKind): PixelRange {
  return kind === 'blazeface' ? 'signed' : 'unit';
}

/** Model outputs of one image → detections normalized to the model input, after NMS. */
export type Decoder = (outputs: TensorOutput[]) => RawDetection[];

/** The decoder for one model, with what can be computed once (BlazeFace's anchors) computed once. */
export function createDecoder(kind: ModelKind, input: ModelInput, thresholds: Thresholds): Decoder {
  if (kind === 'blazeface') {
    const anchors = blazefaceAnchors(input.width);
    return (outputs) => weightedNms(decodeBlazeface(outputs, input.width, thresholds.confidence, anchors), thresholds.iou);
  }
  return (outputs) => classwiseNms(decodeYolo(outputs[0]!, kind, input, thresholds.confidence), thresholds.iou);
}

/** Item `index` of a batched output, as an output of batch size 1. */
export function sliceBatch(output: TensorOutput, index: number): TensorOutput {
  const [batch = 1, ...rest] = output.dims;
  const size = output.data.length / batch;
  return { data: output.data.subarray(index * size, (index + 1) * size), dims: [1, ...rest] };
}
