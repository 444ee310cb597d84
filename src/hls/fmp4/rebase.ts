import { childBoxes, children, Fmp4FormatError, fullBox } from './boxes.js';
import { readFragment, type Track } from './tracks.js';

/**
 * A fragment's moof with every track's decode time moved earlier by that
 * track's offset (never below zero), so that a file cut from the middle of a
 * run starts at zero, as a player of a lone MP4 expects. Returns a copy of the
 * moof and the untouched mdat: only tfdt values change, and with them no size
 * or data offset. Pure.
 */
export function rebaseFragment(fragment: Uint8Array, offsets: ReadonlyMap<number, number>): [moof: Uint8Array, rest: Uint8Array] {
  const [first] = childBoxes(fragment);
  if (first?.type !== 'moof') throw new Fmp4FormatError('a fragment without moof');
  const moof = { ...first, bytes: first.bytes.slice() };
  for (const traf of children(moof)) {
    if (traf.type !== 'traf') continue;
    let trackId: number | undefined;
    for (const box of children(traf)) {
      if (box.type === 'tfhd') {
        const header = fullBox(box);
        trackId = header.data.getUint32(header.offset);
      }
      if (box.type !== 'tfdt') continue;
      const offset = (trackId !== undefined && offsets.get(trackId)) || 0;
      const time = fullBox(box);
      if (time.version === 1) {
        const value = time.data.getBigUint64(time.offset);
        const shift = BigInt(offset);
        time.data.setBigUint64(time.offset, value > shift ? value - shift : 0n);
      } else {
        time.data.setUint32(time.offset, Math.max(0, time.data.getUint32(time.offset) - offset));
      }
    }
  }
  return [moof.bytes, fragment.subarray(moof.bytes.length)];
}

/**
 * The offsets that make `seconds` (the reference track's time at this fragment) zero, per
 * track; a track whose first sample here lies a little earlier (audio before the keyframe) is
 * moved by less, so that nothing lands before zero.
 */
export function offsetsAt(fragment: Uint8Array, tracks: readonly Track[], seconds: number): Map<number, number> {
  const moof = childBoxes(fragment).find((box) => box.type === 'moof');
  const runs = moof ? readFragment(moof, tracks) : [];
  return new Map(
    tracks.map((track) => {
      const wanted = Math.round(seconds * track.timescale);
      const run = runs.find((r) => r.trackId === track.id && r.samples > 0);
      return [track.id, run ? Math.min(wanted, run.baseDecodeTime) : wanted];
    }),
  );
}
