import sharp from 'sharp';
import { AppError } from '../errors/app-error.js';
import { type Letterbox, letterbox } from './letterbox.js';
import type { Detection } from './types.js';

export class InvalidImage extends AppError {
  constructor(message: string, details?: unknown) {
    super('invalid_image', message, details);
  }
}

/** A predict body of a type that cannot be an image. */
export class UnsupportedImageType extends AppError {
  constructor(contentType: string | undefined) {
    super(
      'unsupported_media_type',
      `expected a JPEG or PNG body (image/jpeg, image/png, application/octet-stream), a multipart form with one, or a JSON batch of base64 frames (application/json), got ${contentType ?? 'no content type'}`,
    );
  }
}

const ACCEPTED_FORMATS = new Set(['jpeg', 'png']);
/** A 20 MB PNG could otherwise decode to gigabytes. */
const MAX_INPUT_PIXELS = 40_000_000;

/**
 * A JPEG or PNG → packed RGB of exactly the model's input size, letterboxed
 * the same way FFmpeg letterboxes camera frames.
 */
export async function imageToModelInput(
  image: Buffer,
  width: number,
  height: number,
  /** What the picture is called in error messages: the body of a one-picture call, or a batch frame. */
  what = 'the body',
): Promise<{ frame: Uint8Array; letterbox: Letterbox }> {
  const meta = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS })
    .metadata()
    .catch(() => {
      throw new InvalidImage(`${what} is not a readable image`);
    });
  if (!meta.format || !ACCEPTED_FORMATS.has(meta.format) || !meta.width || !meta.height) {
    throw new InvalidImage(`expected a JPEG or PNG image, got ${meta.format ?? 'an unknown format'}`);
  }
  if (meta.width * meta.height > MAX_INPUT_PIXELS) throw new InvalidImage(`the image is larger than ${MAX_INPUT_PIXELS / 1e6} megapixels`);
  // The picture as a viewer sees it: a phone's portrait JPEG is stored sideways with an EXIF turn.
  const shown = meta.autoOrient ?? { width: meta.width, height: meta.height };
  const box = letterbox(shown.width, shown.height, width, height);
  const { data } = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate() // honour EXIF orientation, as a viewer would
    .removeAlpha()
    .resize(box.contentWidth, box.contentHeight, { fit: 'fill' })
    .extend({
      top: box.offsetY,
      bottom: height - box.contentHeight - box.offsetY,
      left: box.offsetX,
      right: width - box.contentWidth - box.offsetX,
      background: { r: 0, g: 0, b: 0 },
    })
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw new InvalidImage(`the image cannot be decoded: ${error.message}`);
    });
  return { frame: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), letterbox: box };
}

/** A sampled frame (letterbox bars cropped off) as JPEG, optionally with its detections drawn. */
export async function frameToJpeg(frame: Uint8Array, box: Letterbox, detections?: Detection[]): Promise<Buffer> {
  const picture = sharp(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), {
    raw: { width: box.width, height: box.height, channels: 3 },
  }).extract({ left: box.offsetX, top: box.offsetY, width: box.contentWidth, height: box.contentHeight });
  if (!detections?.length) return picture.jpeg({ quality: 85 }).toBuffer();
  // Compositing needs the cropped picture as its own input.
  const cropped = await picture.png().toBuffer();
  return sharp(cropped)
    .composite([{ input: Buffer.from(boxesSvg(detections, box.contentWidth, box.contentHeight)), top: 0, left: 0 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** A JPEG with detections (normalised boxes) drawn over it. */
export async function drawDetections(jpeg: Buffer, detections: Detection[]): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(jpeg).metadata();
  return sharp(jpeg)
    .composite([{ input: Buffer.from(boxesSvg(detections, width, height)), top: 0, left: 0 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** Detections drawn as an SVG of the picture's size; lines and letters grow with the picture. */
export function boxesSvg(detections: Detection[], width: number, height: number): string {
  const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const stroke = Math.max(2, Math.round(width / 400));
  const font = Math.max(11, Math.round(width / 60));
  const shapes = detections.map(({ label, score, box }) => {
    const x = box.x * width;
    const y = box.y * height;
    return (
      `<rect x="${x}" y="${y}" width="${box.w * width}" height="${box.h * height}" fill="none" stroke="#00ff66" stroke-width="${stroke}"/>` +
      `<text x="${x + 2}" y="${Math.max(font - 1, y - 3)}" font-family="sans-serif" font-size="${font}" fill="#00ff66">${escapeXml(label)} ${Math.round(score * 100)}%</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}
