import sharp from 'sharp';
import { drawDetections } from '../detection/images.js';
import type { Box } from '../detection/types.js';

export interface RenderOptions {
  /** Draw the object's box and label. */
  boxes: boolean;
  /** Only the object, with a margin of half its size around it. */
  crop: boolean;
  /** Scale to this height (px), keeping the aspect ratio. */
  height: number | undefined;
}

/** An event's picture as asked for: as stored, or with its box drawn, cropped to the object and/or scaled. */
export async function renderPicture(
  jpeg: Buffer,
  object: { box: Box; label: string; score: number },
  { boxes, crop, height }: RenderOptions,
): Promise<Buffer> {
  if (!boxes && !crop && height === undefined) return jpeg;
  let image = jpeg;
  const { width = 0, height: fullHeight = 0 } = await sharp(jpeg).metadata();
  if (boxes) image = await drawDetections(image, [object]);
  if (crop) {
    const { x, y, w, h } = object.box;
    const left = Math.max(0, Math.floor((x - w / 2) * width));
    const top = Math.max(0, Math.floor((y - h / 2) * fullHeight));
    const right = Math.min(width, Math.ceil((x + w * 1.5) * width));
    const bottom = Math.min(fullHeight, Math.ceil((y + h * 1.5) * fullHeight));
    if (right - left >= 2 && bottom - top >= 2) {
      image = await sharp(image)
        .extract({ left, top, width: right - left, height: bottom - top })
        .png()
        .toBuffer();
    }
  }
  let output = sharp(image);
  if (height !== undefined) output = output.resize({ height, withoutEnlargement: true });
  return output.jpeg({ quality: 85 }).toBuffer();
}
