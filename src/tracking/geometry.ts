import type { Box } from '../detection/types.js';

export function area(box: Box): number {
  return Math.max(0, box.w) * Math.max(0, box.h);
}

/** Intersection over union of two boxes: 1 for the same box, 0 for boxes apart. */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

export function centre(box: Box): { x: number; y: number } {
  return { x: box.x + box.w / 2, y: box.y + box.h / 2 };
}

/** Distance between centres, in units of the boxes' mean diagonal (scale-free: a far object moves fewer pixels). */
export function centreDistance(a: Box, b: Box): number {
  const ca = centre(a);
  const cb = centre(b);
  const diagonal = (Math.hypot(a.w, a.h) + Math.hypot(b.w, b.h)) / 2;
  return diagonal > 0 ? Math.hypot(ca.x - cb.x, ca.y - cb.y) / diagonal : Number.POSITIVE_INFINITY;
}

/** Ray casting: whether a point lies inside a polygon (vertices in order, normalised coordinates). */
export function inPolygon(point: { x: number; y: number }, polygon: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > point.y !== yj > point.y && point.x < ((xj - xi) * (point.y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Where the object touches the ground: zones are drawn on the floor, so an object is in one by its feet. */
export function footPoint(box: Box): { x: number; y: number } {
  return { x: box.x + box.w / 2, y: box.y + box.h };
}
