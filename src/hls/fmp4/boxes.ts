/** One ISO BMFF box: its four-character type and its bytes, header included. */
export interface Box {
  type: string;
  bytes: Uint8Array;
  /** Where the payload starts within `bytes` (8, or 16 for a 64-bit size). */
  headerSize: number;
}

/** Bytes on the pipe that are not a well-formed box stream. */
export class Fmp4FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Fmp4FormatError';
  }
}

/** Far above any fragment a camera produces; a size beyond it means the stream is garbage, not a big box. */
const MAX_BOX_BYTES = 64 * 1024 * 1024;

/** Box types are four letters, digits or spaces; anything else means the bytes are not boxes. */
function isTypeChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x20;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The type and size of the box starting at `offset`, or undefined while its header is incomplete. */
function readHeader(bytes: Uint8Array, offset: number): { type: string; size: number; headerSize: number } | undefined {
  if (bytes.length - offset < 8) return undefined;
  const data = view(bytes);
  let size = data.getUint32(offset);
  const [a, b, c, d] = [bytes[offset + 4]!, bytes[offset + 5]!, bytes[offset + 6]!, bytes[offset + 7]!];
  const type = String.fromCharCode(a, b, c, d);
  let headerSize = 8;
  if (size === 1) {
    if (bytes.length - offset < 16) return undefined;
    size = Number(data.getBigUint64(offset + 8));
    headerSize = 16;
  }
  if (!(isTypeChar(a) && isTypeChar(b) && isTypeChar(c) && isTypeChar(d)))
    throw new Fmp4FormatError(`not an MP4 box at byte ${offset} (type ${JSON.stringify(type)})`);
  if (size < headerSize || size > MAX_BOX_BYTES) throw new Fmp4FormatError(`implausible ${type} box of ${size} bytes`);
  return { type, size, headerSize };
}

/**
 * Cuts a byte stream into whole top-level boxes. Chunks arrive as the pipe
 * delivers them; a box is emitted once all of it is there, as a view into a
 * buffer of its own (so it can be kept without pinning the pipe's chunks).
 */
export class BoxSplitter {
  private pending = new Uint8Array(0);

  push(chunk: Uint8Array): Box[] {
    let bytes = chunk;
    if (this.pending.length > 0) {
      bytes = new Uint8Array(this.pending.length + chunk.length);
      bytes.set(this.pending);
      bytes.set(chunk, this.pending.length);
    }
    const boxes: Box[] = [];
    let offset = 0;
    for (;;) {
      const header = readHeader(bytes, offset);
      if (!header || bytes.length - offset < header.size) break;
      boxes.push({ type: header.type, bytes: bytes.slice(offset, offset + header.size), headerSize: header.headerSize });
      offset += header.size;
    }
    this.pending = bytes.slice(offset);
    return boxes;
  }

  /** Bytes of a box that never completed (FFmpeg died mid-write). */
  get leftover(): number {
    return this.pending.length;
  }
}

/** The child boxes inside a container box's payload (or any byte range of boxes). */
export function childBoxes(bytes: Uint8Array, start = 0, end = bytes.length): Box[] {
  const boxes: Box[] = [];
  const range = bytes.subarray(start, end);
  let offset = 0;
  while (offset < range.length) {
    const header = readHeader(range, offset);
    if (!header || offset + header.size > range.length) throw new Fmp4FormatError('a box runs past its parent');
    boxes.push({ type: header.type, bytes: range.subarray(offset, offset + header.size), headerSize: header.headerSize });
    offset += header.size;
  }
  return boxes;
}

/** The children of a container box. */
export function children(box: Box): Box[] {
  return childBoxes(box.bytes, box.headerSize);
}

/** The first child of `box` with this type, following a path of types (for example moov → trak → mdia). */
export function find(box: Box, ...path: string[]): Box | undefined {
  let current: Box | undefined = box;
  for (const type of path) {
    current = current && children(current).find((child) => child.type === type);
  }
  return current;
}

/** A full box's payload (after version and flags) with a reader over it. */
export function fullBox(box: Box): { version: number; flags: number; data: DataView; offset: number } {
  const data = view(box.bytes);
  const word = data.getUint32(box.headerSize);
  return { version: word >>> 24, flags: word & 0xffffff, data, offset: box.headerSize + 4 };
}
