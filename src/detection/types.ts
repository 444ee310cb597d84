/** A box in normalized coordinates (0..1) of whatever frame it refers to. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Detection {
  label: string;
  score: number;
  box: Box;
}

/** One output tensor of a model run. */
export interface TensorOutput {
  data: Float32Array;
  dims: readonly number[];
}

/** A picture's size, as far as it is known (cameras do not always say). */
export interface VideoSize {
  width?: number;
  height?: number;
}

/** A detection before labels are attached and before the letterbox is undone. */
export interface RawDetection {
  classId: number;
  score: number;
  box: Box;
}

/** One class of an image classifier's answer, labelled. */
export interface Classification {
  label: string;
  score: number;
}

/** A classifier's class before its label is attached. */
export interface RawClassification {
  classId: number;
  score: number;
}

/** What the model found in one image: boxes (detectors) or top-k classes (classifiers), the other empty. */
export interface RawResult {
  detections: RawDetection[];
  classifications: RawClassification[];
}
