/**
 * Reads the wall-clock stamp the RTSP fixture's clock pattern writes into every frame
 * (test/fixtures/rtsp-camera.py, ClockFrames): 40 blocks of 16 px along the top, 32 bits
 * of milliseconds and an 8-bit checksum, white = 1. `luma(x, y)` gives the brightness
 * (0–255) of a pixel of the frame at its own size. Undefined when the checksum fails
 * (a frame torn by the decoder, or no stamp at all).
 */
export function readClockStamp(luma: (x: number, y: number) => number): number | undefined {
  const BLOCK = 16;
  let word = 0n;
  for (let i = 0; i < 40; i++) {
    const bit = luma(BLOCK + i * BLOCK + BLOCK / 2, BLOCK + BLOCK / 2) > 128 ? 1n : 0n;
    word = (word << 1n) | bit;
  }
  const value = Number(word >> 8n);
  const checksum = Number(word & 0xffn);
  const sum = ((value >>> 24) + ((value >>> 16) & 0xff) + ((value >>> 8) & 0xff) + (value & 0xff)) & 0xff;
  return sum === checksum ? value : undefined;
}

/** How far `stamp` (low 32 bits of epoch ms) lies behind `nowMs`, in ms. */
export function msBehind(stamp: number, nowMs: number): number {
  return ((nowMs % 2 ** 32) - stamp + 2 ** 32) % 2 ** 32;
}
