import { type Box, children, Fmp4FormatError, find, fullBox } from './boxes.js';

export interface Track {
  id: number;
  kind: 'video' | 'audio' | 'other';
  /** Ticks per second of the track's timestamps. */
  timescale: number;
  /** trex defaults, for fragments that leave them out. */
  defaultDuration: number;
  defaultFlags: number;
}

/** The tracks an init segment (ftyp + moov) declares. */
export function readTracks(moov: Box): Track[] {
  const defaults = new Map<number, { duration: number; flags: number }>();
  const mvex = find(moov, 'mvex');
  for (const trex of mvex ? children(mvex).filter((box) => box.type === 'trex') : []) {
    const { data, offset } = fullBox(trex);
    defaults.set(data.getUint32(offset), { duration: data.getUint32(offset + 8), flags: data.getUint32(offset + 16) });
  }
  return children(moov)
    .filter((box) => box.type === 'trak')
    .map((trak) => {
      const tkhd = find(trak, 'tkhd');
      const mdhd = find(trak, 'mdia', 'mdhd');
      const hdlr = find(trak, 'mdia', 'hdlr');
      if (!tkhd || !mdhd || !hdlr) throw new Fmp4FormatError('a track without tkhd, mdhd or hdlr');
      const header = fullBox(tkhd);
      const id = header.data.getUint32(header.offset + (header.version === 1 ? 16 : 8));
      const media = fullBox(mdhd);
      const timescale = media.data.getUint32(media.offset + (media.version === 1 ? 16 : 8));
      const handler = fullBox(hdlr);
      const type = String.fromCharCode(...hdlr.bytes.subarray(handler.offset + 4, handler.offset + 8));
      const kind = type === 'vide' ? 'video' : type === 'soun' ? 'audio' : 'other';
      const trex = defaults.get(id) ?? { duration: 0, flags: 0 };
      return { id, kind, timescale, defaultDuration: trex.duration, defaultFlags: trex.flags };
    });
}

/** What a fragment (moof + mdat) holds of one track. */
export interface TrackRun {
  trackId: number;
  /** Decode time of its first sample, in the track's timescale. */
  baseDecodeTime: number;
  /** Sum of its samples' durations, in the track's timescale. */
  duration: number;
  samples: number;
  /** Whether its first sample is a sync sample (a keyframe, for video). */
  startsWithSync: boolean;
}

const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_SAMPLE_DESCRIPTION = 0x2;
const TFHD_DEFAULT_DURATION = 0x8;
const TFHD_DEFAULT_SIZE = 0x10;
const TFHD_DEFAULT_FLAGS = 0x20;
const TRUN_DATA_OFFSET = 0x1;
const TRUN_FIRST_SAMPLE_FLAGS = 0x4;
const TRUN_DURATION = 0x100;
const TRUN_SIZE = 0x200;
const TRUN_FLAGS = 0x400;
const TRUN_CTS = 0x800;
/** sample_is_non_sync_sample, in the sample flags word. */
const NON_SYNC = 0x10000;

/** Reads each track's share of a fragment from its moof. */
export function readFragment(moof: Box, tracks: readonly Track[]): TrackRun[] {
  return children(moof)
    .filter((box) => box.type === 'traf')
    .map((traf) => {
      const tfhd = find(traf, 'tfhd');
      if (!tfhd) throw new Fmp4FormatError('a traf without tfhd');
      const header = fullBox(tfhd);
      const trackId = header.data.getUint32(header.offset);
      const track = tracks.find((t) => t.id === trackId);
      let at = header.offset + 4;
      if (header.flags & TFHD_BASE_DATA_OFFSET) at += 8;
      if (header.flags & TFHD_SAMPLE_DESCRIPTION) at += 4;
      let defaultDuration = track?.defaultDuration ?? 0;
      if (header.flags & TFHD_DEFAULT_DURATION) {
        defaultDuration = header.data.getUint32(at);
        at += 4;
      }
      if (header.flags & TFHD_DEFAULT_SIZE) at += 4;
      const defaultFlags = header.flags & TFHD_DEFAULT_FLAGS ? header.data.getUint32(at) : (track?.defaultFlags ?? 0);

      const tfdt = find(traf, 'tfdt');
      let baseDecodeTime = 0;
      if (tfdt) {
        const time = fullBox(tfdt);
        baseDecodeTime = time.version === 1 ? Number(time.data.getBigUint64(time.offset)) : time.data.getUint32(time.offset);
      }

      let duration = 0;
      let samples = 0;
      let firstFlags: number | undefined;
      for (const trun of children(traf).filter((box) => box.type === 'trun')) {
        const run = fullBox(trun);
        const count = run.data.getUint32(run.offset);
        let p = run.offset + 4;
        if (run.flags & TRUN_DATA_OFFSET) p += 4;
        let runFirstFlags: number | undefined;
        if (run.flags & TRUN_FIRST_SAMPLE_FLAGS) {
          runFirstFlags = run.data.getUint32(p);
          p += 4;
        }
        for (let i = 0; i < count; i++) {
          let sampleFlags = i === 0 && runFirstFlags !== undefined ? runFirstFlags : defaultFlags;
          if (run.flags & TRUN_DURATION) {
            duration += run.data.getUint32(p);
            p += 4;
          } else duration += defaultDuration;
          if (run.flags & TRUN_SIZE) p += 4;
          if (run.flags & TRUN_FLAGS) {
            sampleFlags = run.data.getUint32(p);
            p += 4;
          }
          if (run.flags & TRUN_CTS) p += 4;
          if (samples === 0 && i === 0) firstFlags = sampleFlags;
        }
        samples += count;
      }
      return { trackId, baseDecodeTime, duration, samples, startsWithSync: firstFlags !== undefined && (firstFlags & NON_SYNC) === 0 };
    });
}
