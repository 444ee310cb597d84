export type ModelKind = 'blazeface' | 'yolov5' | 'yolov8' | 'classifier';

export const MODEL_KINDS = ['blazeface', 'yolov5', 'yolov8', 'classifier'] as const satisfies readonly ModelKind[];

export interface TensorInfo {
  name: string;
  /** Symbolic or unknown dimensions are strings or -1. */
  dims: ReadonlyArray<number | string>;
}

export interface ModelInput {
  name: string;
  layout: 'nchw' | 'nhwc';
  width: number;
  height: number;
  /** The batch dimension is symbolic, so frames of several cameras can go in one run. */
  dynamicBatch: boolean;
}

export class ModelShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelShapeError';
  }
}

/** The image input: NCHW [n,3,h,w] (YOLO) or NHWC [n,h,w,3] (BlazeFace). */
export function modelInput(inputs: readonly TensorInfo[]): ModelInput {
  const [input] = inputs;
  if (input?.dims.length !== 4) throw new ModelShapeError('the model needs one 4-D image input');
  const [n, d1, d2, d3] = input.dims;
  const dynamicBatch = typeof n !== 'number' || n < 0;
  if (d1 === 3 && isSize(d2) && isSize(d3)) return { name: input.name, layout: 'nchw', height: d2, width: d3, dynamicBatch };
  if (d3 === 3 && isSize(d1) && isSize(d2)) return { name: input.name, layout: 'nhwc', height: d1, width: d2, dynamicBatch };
  throw new ModelShapeError(`cannot read an image size from input shape [${input.dims.join(', ')}]`);
}

/** Which decoder fits the outputs. DETECT_MODEL_TYPE overrides this when a shape is ambiguous. */
export function detectModelKind(outputs: readonly TensorInfo[]): ModelKind {
  if (outputs.length === 4 && outputs.some((o) => o.dims.at(-1) === 16)) return 'blazeface';
  const [output] = outputs;
  // [N, C] class scores: an image classifier (MobileNet, ResNet, Ultralytics -cls exports).
  if (outputs.length === 1 && output?.dims.length === 2 && isSize(output.dims[1]) && output.dims[1] > 1) return 'classifier';
  if (outputs.length === 1 && output && output.dims.length === 3) {
    const [, a, b] = output.dims;
    if (isSize(a) && isSize(b)) {
      if (b >= 6 && a > b) return 'yolov5';
      if (a >= 5 && b > a) return 'yolov8';
    }
  }
  throw new ModelShapeError(`unknown model outputs ${outputs.map((o) => `[${o.dims.join(', ')}]`).join(' ')}; set DETECT_MODEL_TYPE`);
}

function isSize(value: number | string | undefined): value is number {
  return typeof value === 'number' && value > 0;
}
