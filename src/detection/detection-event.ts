import type { Classification, Detection } from './types.js';

/** One analysed frame's detections, as sent over Server-Sent Events. */
export interface DetectionEvent {
  indicator_id: string;
  ts: string;
  frame_ts: string;
  /** Always empty for a classifier, whose answer is `classifications`. */
  detections: Detection[];
  /** Only with a classifier model: its top-k classes of the frame, best first. */
  classifications?: Classification[];
  inference_ms: number;
}
