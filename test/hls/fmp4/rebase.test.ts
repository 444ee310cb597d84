import { describe, expect, it } from 'vitest';
import { rebaseFragment } from '../../../src/hls/fmp4/rebase.js';

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u64 = (n: bigint) => [...u32(Number(n >> 32n)), ...u32(Number(n & 0xffffffffn))];
const type = (t: string) => [...t].map((c) => c.charCodeAt(0));
function box(t: string, ...payload: number[][]): number[] {
  const body = payload.flat();
  return [...u32(8 + body.length), ...type(t), ...body];
}
const fullBox = (t: string, version: number, ...payload: number[][]) => box(t, [version, 0, 0, 0], ...payload);
/** A traf of one track: its tfhd and a tfdt of either version. */
const traf = (trackId: number, version: 0 | 1, time: bigint) =>
  box('traf', fullBox('tfhd', 0, u32(trackId)), fullBox('tfdt', version, version === 1 ? u64(time) : u32(Number(time))));

function decodeTimes(moof: Uint8Array): Array<[number, bigint]> {
  const data = new DataView(moof.buffer, moof.byteOffset, moof.byteLength);
  const times: Array<[number, bigint]> = [];
  // moof header (8), then trafs: each [size][traf][tfhd: 8+4+4][tfdt: 8+4+(4|8)]
  for (let at = 8; at < moof.length; at += data.getUint32(at)) {
    const trackId = data.getUint32(at + 8 + 12);
    const tfdt = at + 8 + 16;
    const version = moof[tfdt + 8]!;
    times.push([trackId, version === 1 ? data.getBigUint64(tfdt + 12) : BigInt(data.getUint32(tfdt + 12))]);
  }
  return times;
}

describe('rebaseFragment', () => {
  const mdat = box('mdat', [1, 2, 3, 4]);

  it('moves each track by its own offset, in 32-bit and 64-bit tfdt alike, and leaves mdat untouched', () => {
    const fragment = new Uint8Array([...box('moof', traf(1, 0, 90_000n), traf(2, 1, 5_000_000_000n)), ...mdat]);
    const [moof, rest] = rebaseFragment(
      fragment,
      new Map([
        [1, 45_000],
        [2, 1_000_000_000],
      ]),
    );
    expect(decodeTimes(moof)).toEqual([
      [1, 45_000n],
      [2, 4_000_000_000n],
    ]);
    expect([...rest]).toEqual(mdat);
    expect(moof.length + rest.length).toBe(fragment.length);
  });

  it('never goes below zero, and leaves the fragment it was given as it was', () => {
    const fragment = new Uint8Array([...box('moof', traf(1, 0, 100n), traf(2, 1, 100n)), ...mdat]);
    const before = fragment.slice();
    const [moof] = rebaseFragment(
      fragment,
      new Map([
        [1, 500],
        [2, 500],
      ]),
    );
    expect(decodeTimes(moof)).toEqual([
      [1, 0n],
      [2, 0n],
    ]);
    expect(fragment).toEqual(before);
  });

  it('leaves a track without an offset where it is, and refuses bytes that do not start with moof', () => {
    const fragment = new Uint8Array([...box('moof', traf(7, 0, 1234n)), ...mdat]);
    expect(decodeTimes(rebaseFragment(fragment, new Map([[1, 1000]]))[0])).toEqual([[7, 1234n]]);
    expect(() => rebaseFragment(new Uint8Array(mdat), new Map())).toThrow(/without moof/);
  });
});
