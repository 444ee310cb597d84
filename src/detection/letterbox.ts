import type { Box } from './types.js';

/** Where a source frame sits inside a model input of fixed size, aspect ratio kept. */
export interface Letterbox {
  /** Model input size. */
  width: number;
  height: number;
  /** The scaled picture inside it, in model pixels. */
  contentWidth: number;
  contentHeight: number;
  offsetX: number;
  offsetY: number;
}

/**
 * The same geometry FFmpeg's scale=…:force_original_aspect_ratio=decrease and
 * pad=…:(ow-iw)/2:(oh-ih)/2 produce (sizes rounded down to even numbers, as
 * the scaler does for yuv/rgb with force_divisible_by=2).
 */
export function letterbox(sourceWidth: number, sourceHeight: number, width: number, height: number): Letterbox {
  const scale = Math.min(width / sourceWidth, height / sourceHeight);
  const contentWidth = Math.min(width, evenFloor(sourceWidth * scale));
  const contentHeight = Math.min(height, evenFloor(sourceHeight * scale));
  return {
    width,
    height,
    contentWidth,
    contentHeight,
    offsetX: Math.floor((width - contentWidth) / 2),
    offsetY: Math.floor((height - contentHeight) / 2),
  };
}

/** A box normalized to the model input → the same box normalized to the source frame, clipped. */
export function undoLetterbox(box: Box, lb: Letterbox): Box {
  const x0 = clamp01((box.x * lb.width - lb.offsetX) / lb.contentWidth);
  const y0 = clamp01((box.y * lb.height - lb.offsetY) / lb.contentHeight);
  const x1 = clamp01(((box.x + box.w) * lb.width - lb.offsetX) / lb.contentWidth);
  const y1 = clamp01(((box.y + box.h) * lb.height - lb.offsetY) / lb.contentHeight);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function evenFloor(value: number): number {
  return Math.max(2, Math.floor(Math.round(value * 1000) / 1000 / 2) * 2);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
