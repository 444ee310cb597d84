import { describe, expect, it } from 'vitest';
import { newestSegment, nextSequenceNumber, parsePlaylist } from '../../src/hls/playlist.js';

describe('parsePlaylist', () => {
  it('reads the sequence and segments, across a discontinuity', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-MEDIA-SEQUENCE:1795280287',
      '#EXTINF:1.000000,',
      'seg_1795280287.ts',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:0.960000,',
      'seg_1795280295.ts',
      '',
    ].join('\n');
    const playlist = parsePlaylist(text);
    expect(playlist).toEqual({
      mediaSequence: 1795280287,
      segments: [
        { uri: 'seg_1795280287.ts', duration: 1 },
        { uri: 'seg_1795280295.ts', duration: 0.96 },
      ],
    });
    expect(newestSegment(playlist)).toBe('seg_1795280295.ts');
  });

  it('has no segments before FFmpeg finished the first one', () => {
    expect(parsePlaylist('#EXTM3U\n#EXT-X-VERSION:3\n').segments).toEqual([]);
    expect(newestSegment(undefined)).toBeUndefined();
  });
});

describe('nextSequenceNumber', () => {
  const now = 1_795_280_000_500;
  it('starts at the epoch second', () => {
    expect(nextSequenceNumber(undefined, now)).toBe(1_795_280_000);
  });
  it('stays above the segments of a previous run that ran ahead of the clock', () => {
    const previous = {
      mediaSequence: 1_795_280_010,
      segments: [
        { uri: 'a.ts', duration: 0.9 },
        { uri: 'b.ts', duration: 0.9 },
      ],
    };
    expect(nextSequenceNumber(previous, now)).toBe(1_795_280_012);
  });
  it('uses the clock when the previous run is behind it', () => {
    expect(nextSequenceNumber({ mediaSequence: 5, segments: [{ uri: 'a.ts', duration: 1 }] }, now)).toBe(1_795_280_000);
  });
});
