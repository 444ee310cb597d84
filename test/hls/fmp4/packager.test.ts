import { describe, expect, it } from 'vitest';
import { Fmp4FormatError } from '../../../src/hls/fmp4/boxes.js';
import { Fmp4Packager, type PackagerEvent, type PackagerOptions, type Part } from '../../../src/hls/fmp4/packager.js';
import { chunked, fmp4Bytes, topLevelBoxes } from '../../support/fmp4.js';

function packageAll(bytes: Uint8Array, chunkSize: number, options: Partial<PackagerOptions> = {}) {
  const packager = new Fmp4Packager({ segmentSeconds: 1, ...options });
  const events: PackagerEvent[] = chunked(bytes, chunkSize).flatMap((chunk) => packager.push(chunk));
  const parts = events.flatMap((event) => (event.type === 'part' ? [event] : []));
  const inits = events.flatMap((event) => (event.type === 'init' ? [event.init] : []));
  return { packager, events, parts, inits };
}

/** Segments as lists of parts, split where a part opens a new one. */
function segmentsOf(parts: Array<{ part: Part; segmentStart: boolean }>): Part[][] {
  const segments: Part[][] = [];
  for (const { part, segmentStart } of parts) {
    if (segmentStart || segments.length === 0) segments.push([]);
    segments.at(-1)!.push(part);
  }
  return segments;
}

const total = (parts: Part[]) => parts.reduce((sum, part) => sum + part.duration, 0);

describe('Fmp4Packager, on fragmented MP4 that FFmpeg really produced', () => {
  it('finds the init segment, parts of at most the part target, and 1 s segments on keyframes', async () => {
    const bytes = await fmp4Bytes({ seconds: 4, gop: 25, audio: true });
    const { parts, inits, events } = packageAll(bytes, 1000);
    expect(events[0]?.type).toBe('init');
    expect(inits).toHaveLength(1);
    expect(inits[0]!.tracks.map((track) => track.kind)).toEqual(['video', 'audio']);
    expect(inits[0]!.data.subarray(4, 8)).toEqual(new TextEncoder().encode('ftyp'));
    // Every byte after the init segment ends up in exactly one part.
    expect(parts.reduce((sum, { part }) => sum + part.data.length, 0)).toBe(bytes.length - inits[0]!.data.length);
    for (const { part } of parts) expect(part.duration).toBeLessThanOrEqual(0.2);
    const segments = segmentsOf(parts);
    expect(segments).toHaveLength(4);
    for (const segment of segments) {
      expect(segment[0]!.independent).toBe(true);
      expect(segment.slice(1).every((part) => !part.independent)).toBe(true);
      expect(total(segment)).toBeCloseTo(1, 1);
    }
    expect(total(parts.map(({ part }) => part))).toBeCloseTo(4, 1);
    expect(parts.map(({ part }) => part.startTime)).toEqual([...parts.map(({ part }) => part.startTime)].sort((a, b) => a - b));
  });

  it("cuts a run's first segment short and the rest of its GOP into one-part segments; then segments start on keyframes", async () => {
    const bytes = await fmp4Bytes({ seconds: 4, gop: 50 });
    const { parts } = packageAll(bytes, 4096, { firstSegmentSeconds: 0.6 });
    const segments = segmentsOf(parts);
    // 0.64 s (four 0.16 s parts), nine one-part segments up to the keyframe at 2 s, then that 2 s GOP.
    expect(segments.map((segment) => segment.length)).toEqual([4, ...Array(9).fill(1), 13]);
    expect(total(segments[0]!)).toBeCloseTo(0.64, 2);
    expect(segments.map((segment) => segment[0]!.independent)).toEqual([true, ...Array(9).fill(false), true]);
    expect(total(segments.at(-1)!)).toBeCloseTo(2, 2);
    // Early ends are announced with the segment's last part; keyframe cuts only with the next one's first.
    expect(parts.flatMap((part, n) => (part.segmentEnd ? [n] : []))).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('a long GOP gives one long segment, with parts as short as ever', async () => {
    const bytes = await fmp4Bytes({ seconds: 3, gop: 100 });
    const { parts } = packageAll(bytes, 4096);
    const segments = segmentsOf(parts);
    expect(segments).toHaveLength(1);
    expect(total(segments[0]!)).toBeCloseTo(3, 1);
    expect(parts.length).toBeGreaterThanOrEqual(15);
    for (const { part } of parts) expect(part.duration).toBeLessThanOrEqual(0.2);
  });

  it('with a keyframe in every part, every part is independent and segments still follow the target', async () => {
    const bytes = await fmp4Bytes({ seconds: 3, gop: 1 });
    const { parts } = packageAll(bytes, 65536);
    expect(parts.every(({ part }) => part.independent)).toBe(true);
    const segments = segmentsOf(parts);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(segments.length).toBeLessThanOrEqual(4);
    for (const segment of segments.slice(0, -1)) expect(total(segment)).toBeGreaterThanOrEqual(0.9);
  });

  it('audio only: every part stands alone, segments cut by time', async () => {
    const bytes = await fmp4Bytes({ seconds: 3, audio: true });
    const { parts, inits } = packageAll(bytes, 777);
    expect(inits[0]!.tracks.map((track) => track.kind)).toEqual(['audio']);
    expect(parts.every(({ part }) => part.independent)).toBe(true);
    expect(segmentsOf(parts)).toHaveLength(3);
  });

  it('drops a truncated final fragment and says how much it dropped', async () => {
    const bytes = await fmp4Bytes({ seconds: 2, gop: 25 });
    const boxes = topLevelBoxes(bytes);
    const lastMdat = boxes.at(-1)!;
    expect(lastMdat[0]).toBe('mdat');
    const cut = bytes.subarray(0, lastMdat[1] + 100); // FFmpeg died inside the last mdat
    const whole = packageAll(bytes, 1000).parts.length;
    const { parts, packager } = packageAll(cut, 1000);
    expect(parts).toHaveLength(whole - 1);
    expect(packager.truncatedBytes).toBeGreaterThan(100);
  });

  it('drops parts until the first keyframe (a run that joined the camera mid-GOP)', async () => {
    const bytes = await fmp4Bytes({ seconds: 3, gop: 25 });
    const boxes = topLevelBoxes(bytes);
    const init = bytes.subarray(0, boxes[1]![2]);
    // Leave out the first fragment (moof + mdat): the stream now begins with parts that are not keyframes.
    const rest = bytes.subarray(boxes[3]![2]);
    const joined = new Uint8Array(init.length + rest.length);
    joined.set(init);
    joined.set(rest, init.length);
    const { parts } = packageAll(joined, 5000);
    const all = packageAll(bytes, 5000).parts;
    expect(parts[0]!.part.independent).toBe(true);
    expect(parts[0]!.segmentStart).toBe(true);
    expect(parts.length).toBeLessThan(all.length - 1);
    expect(segmentsOf(parts)).toHaveLength(2);
  });

  it('refuses bytes that are not MP4 boxes, whether at the start or after good ones', async () => {
    const garbage = new TextEncoder().encode('frame=  12 fps=0.0 q=-1.0 size=N/A time=00:00:00.48 bitrate=N/A');
    expect(() => new Fmp4Packager({ segmentSeconds: 1 }).push(garbage)).toThrow(Fmp4FormatError);
    const bytes = await fmp4Bytes({ seconds: 1, gop: 25 });
    const packager = new Fmp4Packager({ segmentSeconds: 1 });
    packager.push(bytes);
    expect(() => packager.push(garbage)).toThrow(Fmp4FormatError);
    // A box that claims to be huge is garbage too, not something to wait 4 GB for.
    const huge = Uint8Array.from([0xff, 0xff, 0xff, 0x00, 0x6d, 0x64, 0x61, 0x74]);
    expect(() => new Fmp4Packager({ segmentSeconds: 1 }).push(huge)).toThrow(/implausible/);
  });
});
