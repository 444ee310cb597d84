/**
 * Cuts FFmpeg's rawvideo byte stream into whole frames. It never holds data
 * back: every chunk is consumed at once, so FFmpeg's pipe always drains no
 * matter how slow the model is. Each frame gets a buffer of its own, so it can
 * be handed to the worker thread without a copy.
 */
export class FrameCutter {
  private frame: Uint8Array;
  private filled = 0;
  private readMs = 0;

  constructor(
    private readonly frameSize: number,
    /** readMs: time spent copying this frame's bytes out of the pipe. */
    private readonly onFrame: (frame: Uint8Array, arrivedAt: number, readMs: number) => void,
  ) {
    this.frame = new Uint8Array(frameSize);
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const started = performance.now();
      const take = Math.min(this.frameSize - this.filled, chunk.length - offset);
      this.frame.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      this.readMs += performance.now() - started;
      if (this.filled === this.frameSize) {
        const complete = this.frame;
        const readMs = this.readMs;
        this.frame = new Uint8Array(this.frameSize);
        this.filled = 0;
        this.readMs = 0;
        this.onFrame(complete, Date.now(), readMs);
      }
    }
  }
}
