import type { Detection } from './types.js';

/** One analysed frame's detections, as sent over Server-Sent Events. */
export interface DetectionEvent {
  indicator_id: string;
  ts: string;
  frame_ts: string;
  detections: Detection[];
  inference_ms: number;
}
