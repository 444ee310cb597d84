import type { ModelInput } from './model-kind.js';

/** YOLO wants 0..1, BlazeFace -1..1, ImageNet classifiers (x/255 − mean) / std per channel. */
export type PixelRange = 'unit' | 'signed' | 'imagenet';

export const PIXEL_RANGES = ['unit', 'signed', 'imagenet'] as const satisfies readonly PixelRange[];

type Affine = readonly [scale: number, offset: number];

/** (x/255 − mean)/std as one multiply-add: scale = 1/(255·std), offset = −mean/std. */
const imagenet = (mean: number, std: number): Affine => [1 / (255 * std), -mean / std];

/** value × scale + offset per channel (R, G, B) maps 0..255 onto the range (measured faster than a lookup table). */
const AFFINE: Record<PixelRange, readonly [Affine, Affine, Affine]> = {
  unit: [
    [1 / 255, 0],
    [1 / 255, 0],
    [1 / 255, 0],
  ],
  signed: [
    [1 / 127.5, -1],
    [1 / 127.5, -1],
    [1 / 127.5, -1],
  ],
  imagenet: [imagenet(0.485, 0.229), imagenet(0.456, 0.224), imagenet(0.406, 0.225)],
};

/**
 * Packed RGB frames (exactly the model's width × height, as FFmpeg writes them)
 * → one float tensor for the whole batch, in the model's layout. Pass `reuse`
 * to write into an earlier result of the same size: allocating a fresh tensor
 * for every frame costs more than filling it.
 */
export function framesToTensor(frames: readonly Uint8Array[], input: ModelInput, range: PixelRange, reuse?: Float32Array): Float32Array {
  const [[rs, ro], [gs, go], [bs, bo]] = AFFINE[range];
  const pixels = input.width * input.height;
  const size = frames.length * pixels * 3;
  const out = reuse?.length === size ? reuse : new Float32Array(size);
  frames.forEach((rgb, n) => {
    const base = n * pixels * 3;
    if (input.layout === 'nhwc') {
      for (let p = 0, i = base; p < pixels * 3; p += 3, i += 3) {
        out[i] = rgb[p]! * rs + ro;
        out[i + 1] = rgb[p + 1]! * gs + go;
        out[i + 2] = rgb[p + 2]! * bs + bo;
      }
      return;
    }
    // NCHW: three planes, R then G then B.
    const [g, b] = [base + pixels, base + 2 * pixels];
    for (let p = 0, i = 0; p < pixels; p++, i += 3) {
      out[base + p] = rgb[i]! * rs + ro;
      out[g + p] = rgb[i + 1]! * gs + go;
      out[b + p] = rgb[i + 2]! * bs + bo;
    }
  });
  return out;
}
