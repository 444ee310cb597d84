import type { ModelInput } from './model-kind.js';

/** YOLO wants 0..1, BlazeFace -1..1. */
export type PixelRange = 'unit' | 'signed';

/** value × scale + offset maps 0..255 onto the range (measured faster than a lookup table). */
const AFFINE: Record<PixelRange, [scale: number, offset: number]> = {
  unit: [1 / 255, 0],
  signed: [1 / 127.5, -1],
};

/**
 * Packed RGB frames (exactly the model's width × height, as FFmpeg writes them)
 * → one float tensor for the whole batch, in the model's layout. Pass `reuse`
 * to write into an earlier result of the same size: allocating a fresh tensor
 * for every frame costs more than filling it.
 */
export function framesToTensor(frames: readonly Uint8Array[], input: ModelInput, range: PixelRange, reuse?: Float32Array): Float32Array {
  const [scale, offset] = AFFINE[range];
  const pixels = input.width * input.height;
  const size = frames.length * pixels * 3;
  const out = reuse?.length === size ? reuse : new Float32Array(size);
  frames.forEach((rgb, n) => {
    const base = n * pixels * 3;
    if (input.layout === 'nhwc') {
      const values = pixels * 3;
      for (let i = 0; i < values; i++) out[base + i] = rgb[i]! * scale + offset;
      return;
    }
    // NCHW: three planes, R then G then B.
    const [g, b] = [base + pixels, base + 2 * pixels];
    for (let p = 0, i = 0; p < pixels; p++, i += 3) {
      out[base + p] = rgb[i]! * scale + offset;
      out[g + p] = rgb[i + 1]! * scale + offset;
      out[b + p] = rgb[i + 2]! * scale + offset;
    }
  });
  return out;
}
