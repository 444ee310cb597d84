import type { ModelInput } from './model-kind.js';

/** YOLO wants 0..1, BlazeFace -1..1. */
export type PixelRange = 'unit' | 'signed';

const TABLES: Record<PixelRange, Float32Array> = {
  unit: Float32Array.from({ length: 256 }, (_, v) => v / 255),
  signed: Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1),
};

/**
 * Packed RGB frames (exactly the model's width × height, as FFmpeg writes them)
 * → one float tensor for the whole batch, in the model's layout. Pass `reuse`
 * to write into an earlier result of the same size: allocating a fresh tensor
 * for every frame costs more than filling it.
 */
export function framesToTensor(frames: readonly Uint8Array[], input: ModelInput, range: PixelRange, reuse?: Float32Array): Float32Array {
  const table = TABLES[range];
  const pixels = input.width * input.height;
  const size = frames.length * pixels * 3;
  const out = reuse?.length === size ? reuse : new Float32Array(size);
  frames.forEach((rgb, n) => {
    const base = n * pixels * 3;
    if (input.layout === 'nhwc') {
      for (let i = 0; i < pixels * 3; i++) out[base + i] = table[rgb[i]!]!;
      return;
    }
    // NCHW: three planes, R then G then B.
    for (let p = 0, i = 0; p < pixels; p++, i += 3) {
      out[base + p] = table[rgb[i]!]!;
      out[base + pixels + p] = table[rgb[i + 1]!]!;
      out[base + 2 * pixels + p] = table[rgb[i + 2]!]!;
    }
  });
  return out;
}
