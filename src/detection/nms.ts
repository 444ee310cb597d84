import type { Box, RawDetection } from './types.js';

export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  const intersection = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.w * a.h + b.w * b.h - intersection;
  return union > 0 ? intersection / union : 0;
}

/** Greedy non-maximum suppression, per class: a box only suppresses boxes of its own class. */
export function classwiseNms(detections: RawDetection[], iouThreshold: number): RawDetection[] {
  const kept: RawDetection[] = [];
  for (const candidate of [...detections].sort((a, b) => b.score - a.score)) {
    const overlaps = kept.some((k) => k.classId === candidate.classId && iou(k.box, candidate.box) > iouThreshold);
    if (!overlaps) kept.push(candidate);
  }
  return kept;
}

/**
 * MediaPipe's weighted NMS: overlapping boxes are not discarded but averaged,
 * weighted by score, which steadies face boxes from frame to frame.
 */
export function weightedNms(detections: RawDetection[], iouThreshold: number): RawDetection[] {
  let remaining = [...detections].sort((a, b) => b.score - a.score);
  const merged: RawDetection[] = [];
  while (remaining.length > 0) {
    const [best, ...others] = remaining as [RawDetection, ...RawDetection[]];
    // The best box always leaves the queue: a degenerate (zero-area) box overlaps nothing, not even itself.
    const cluster = [best, ...others.filter((d) => iou(best.box, d.box) > iouThreshold)];
    remaining = others.filter((d) => iou(best.box, d.box) <= iouThreshold);
    const total = cluster.reduce((sum, d) => sum + d.score, 0) || 1;
    const average = (pick: (b: Box) => number) => cluster.reduce((sum, d) => sum + pick(d.box) * d.score, 0) / total;
    merged.push({
      classId: best.classId,
      score: best.score,
      box: { x: average((b) => b.x), y: average((b) => b.y), w: average((b) => b.w), h: average((b) => b.h) },
    });
  }
  return merged;
}
