import { type Letterbox, undoLetterbox } from './letterbox.js';
import type { Box, Classification, Detection, RawResult } from './types.js';

/** One image's answer as the API shows it: labelled, boxes on the source picture, rounded. */
export interface LabelledResult {
  detections: Detection[];
  classifications: Classification[];
}

/** Class ids → labels (the id itself where the labels run out), boxes out of the letterbox. */
export function labelResult(raw: RawResult, labels: readonly string[], box: Letterbox): LabelledResult {
  const name = (classId: number) => labels[classId] ?? String(classId);
  return {
    detections: raw.detections.map((d) => ({
      label: name(d.classId),
      score: round(d.score, 3),
      box: roundBox(undoLetterbox(d.box, box)),
    })),
    // Four digits: the fifth of ImageNet's top five is often below 0.001.
    classifications: raw.classifications.map((c) => ({ label: name(c.classId), score: round(c.score, 4) })),
  };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function roundBox(box: Box): Box {
  return { x: round(box.x, 4), y: round(box.y, 4), w: round(box.w, 4), h: round(box.h, 4) };
}
