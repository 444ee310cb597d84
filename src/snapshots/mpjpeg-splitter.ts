/** Longest header block a part may have before the stream is taken for garbage. */
const MAX_HEADER_BYTES = 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^content-length:\s*(\d+)\s*$/im;

/**
 * Cuts FFmpeg's mpjpeg stream (`--ffmpeg` boundary, headers with a
 * Content-length, the JPEG) into whole JPEGs, however the pipe chunks it.
 * Bytes that are not such a stream are skipped up to the next boundary.
 */
export class MpjpegSplitter {
  #buffer = Buffer.alloc(0);
  /** The JPEG being read: its length, once its headers are in. */
  #length: number | undefined;

  constructor(private readonly onImage: (jpeg: Buffer) => void) {}

  push(chunk: Uint8Array): void {
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#length === undefined) {
        const end = this.#buffer.indexOf(HEADER_END);
        if (end === -1) {
          if (this.#buffer.length > MAX_HEADER_BYTES) this.#resync(1);
          return;
        }
        const length = CONTENT_LENGTH.exec(this.#buffer.subarray(0, end).toString('latin1'))?.[1];
        if (length === undefined) {
          this.#resync(end + HEADER_END.length);
          continue;
        }
        this.#length = Number(length);
        this.#buffer = this.#buffer.subarray(end + HEADER_END.length);
      }
      if (this.#buffer.length < this.#length) return;
      const jpeg = Buffer.from(this.#buffer.subarray(0, this.#length));
      this.#buffer = this.#buffer.subarray(this.#length);
      this.#length = undefined;
      this.onImage(jpeg);
    }
  }

  /** Drops bytes up to the next boundary at or after `from`. */
  #resync(from: number): void {
    const next = this.#buffer.indexOf('--', from);
    this.#buffer = next === -1 ? Buffer.alloc(0) : this.#buffer.subarray(next);
  }
}
