import { blazefaceAnchors, decodeBlazeface } from './decode-blazeface.js';
import { decodeClassifier } from './decode-classifier.js';
import { decodeYolo } from './decode-yolo.js';
import type { ModelInput, ModelKind } from './model-kind.js';
import { classwiseNms, weightedNms } from './nms.js';
import type { PixelRange } from './preprocess.js';
import type { RawResult, TensorOutput } from './types.js';

export interface Thresholds {
  confidence: number;
  iou: number;
}

/** What a classifier answers and how it wants its pixels; detectors ignore it. */
export interface ClassifierSettings {
  topK: number;
  normalization: PixelRange;
}

/** MobileNet-style: the five best classes of torchvision's ImageNet preprocessing. */
export const DEFAULT_CLASSIFIER: ClassifierSettings = { topK: 5, normalization: 'imagenet' };

export function pixelRangeOf(kind: ModelKind, classifier: ClassifierSettings): PixelRange {
  if (kind === 'classifier') return classifier.normalization;
  return kind === 'blazeface' ? 'signed' : 'unit';
}

/** Model outputs of one image → detections normalized to the model input (after NMS), or top-k classes. */
export type Decoder = (outputs: TensorOutput[]) => RawResult;

/** The decoder for one model, with what can be computed once (BlazeFace's anchors) computed once. */
export function createDecoder(kind: ModelKind, input: ModelInput, thresholds: Thresholds, classifier: ClassifierSettings): Decoder {
  if (kind === 'classifier') return (outputs) => ({ detections: [], classifications: decodeClassifier(outputs[0]!, classifier.topK) });
  if (kind === 'blazeface') {
    const anchors = blazefaceAnchors(input.width);
    return (outputs) => ({
      detections: weightedNms(decodeBlazeface(outputs, input.width, thresholds.confidence, anchors), thresholds.iou),
      classifications: [],
    });
  }
  return (outputs) => ({
    detections: classwiseNms(decodeYolo(outputs[0]!, kind, input, thresholds.confidence), thresholds.iou),
    classifications: [],
  });
}

/** Item `index` of a batched output, as an output of batch size 1. */
export function sliceBatch(output: TensorOutput, index: number): TensorOutput {
  const [batch = 1, ...rest] = output.dims;
  const size = output.data.length / batch;
  return { data: output.data.subarray(index * size, (index + 1) * size), dims: [1, ...rest] };
}
