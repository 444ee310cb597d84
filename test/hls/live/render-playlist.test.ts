import HLS from 'hls-parser';
import { Parser } from 'm3u8-parser';
import { describe, expect, it } from 'vitest';
import type { Part } from '../../../src/hls/fmp4/packager.js';
import { LiveWindow } from '../../../src/hls/live/live-window.js';
import { renderPlaylist } from '../../../src/hls/live/render-playlist.js';

const T0 = Date.parse('2026-12-02T10:00:00Z');

/** A window fed with 0.2 s parts, a keyframe every `partsPerSegment` parts, one part arriving every 200 ms. */
function windowOf({
  listSize = 6,
  segments,
  partsPerSegment = 5,
  openParts = 0,
}: {
  listSize?: number;
  segments: number;
  partsPerSegment?: number;
  openParts?: number;
}) {
  const window = new LiveWindow({ listSize, firstMsn: 100, firstFileNumber: 1000 });
  window.setInit(Uint8Array.of(1));
  let n = 0;
  const feed = (count: number) => {
    for (let i = 0; i < count; i++, n++) {
      const part: Part = { data: Uint8Array.of(n & 0xff), duration: 0.2, startTime: n * 0.2, independent: n % partsPerSegment === 0 };
      window.addPart(part, T0 + n * 200, { segmentStart: part.independent });
    }
  };
  feed(segments * partsPerSegment + openParts);
  return { window, feed };
}

/** Parses a playlist with two third-party parsers, strictly, and returns what they read. */
function parseBack(text: string) {
  const parser = new Parser();
  const warnings: string[] = [];
  parser.on('warn', (warning: { message: string }) => warnings.push(warning.message));
  parser.push(text);
  parser.end();
  HLS.setOptions({ strictMode: true });
  const strict = HLS.parse(text) as InstanceType<typeof HLS.types.MediaPlaylist>;
  return { manifest: parser.manifest, warnings, strict };
}

const LL = { lowLatency: true, targetDuration: 1, partTarget: 0.2, skip: false };

describe('renderPlaylist', () => {
  it('writes a low-latency playlist: parts of the last segments, the preload hint, server control', () => {
    const { window } = windowOf({ segments: 2, openParts: 2 });
    const text = renderPlaylist(window, LL);
    expect(text.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6,HOLD-BACK=3,PART-HOLD-BACK=0.6',
      '#EXT-X-PART-INF:PART-TARGET=0.2',
      '#EXT-X-MEDIA-SEQUENCE:100',
      '#EXT-X-MAP:URI="init_1000.mp4"',
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T10:00:00.000Z',
      '#EXT-X-PART:DURATION=0.2,URI="part_1001.m4s",INDEPENDENT=YES',
      '#EXT-X-PART:DURATION=0.2,URI="part_1002.m4s"',
      '#EXT-X-PART:DURATION=0.2,URI="part_1003.m4s"',
      '#EXT-X-PART:DURATION=0.2,URI="part_1004.m4s"',
      '#EXT-X-PART:DURATION=0.2,URI="part_1005.m4s"',
      '#EXTINF:1,',
      'seg_100.m4s',
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T10:00:01.000Z',
      '#EXT-X-PART:DURATION=0.2,URI="part_1006.m4s",INDEPENDENT=YES',
      '#EXT-X-PART:DURATION=0.2,URI="part_1007.m4s"',
      '#EXT-X-PART:DURATION=0.2,URI="part_1008.m4s"',
      '#EXT-X-PART:DURATION=0.2,URI="part_1009.m4s"',
      '#EXT-X-PART:DURATION=0.2,URI="part_1010.m4s"',
      '#EXTINF:1,',
      'seg_101.m4s',
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T10:00:02.000Z',
      '#EXT-X-PART:DURATION=0.2,URI="part_1011.m4s",INDEPENDENT=YES',
      '#EXT-X-PART:DURATION=0.2,URI="part_1012.m4s"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_1013.m4s"',
    ]);
    const { manifest, warnings, strict } = parseBack(text);
    expect(warnings).toEqual([]);
    expect(manifest.segments.map((s) => s.uri)).toEqual(['seg_100.m4s', 'seg_101.m4s']);
    expect(manifest.preloadSegment.parts).toHaveLength(2);
    expect(manifest.preloadSegment.preloadHints).toEqual([{ type: 'PART', uri: 'part_1013.m4s' }]);
    expect(manifest.serverControl).toMatchObject({ canBlockReload: true, partHoldBack: 0.6 });
    expect(strict.segments.at(-1)!.parts.map((p) => [p.uri, p.hint])).toEqual([
      ['part_1011.m4s', false],
      ['part_1012.m4s', false],
      ['part_1013.m4s', true],
    ]);
  });

  it('lists parts only for the segments wholly within three target durations of the live edge', () => {
    const { window } = windowOf({ segments: 5, openParts: 1 });
    const { strict } = parseBack(renderPlaylist(window, LL));
    // 0.2 s open, then 1 s segments: the second complete one from the end starts 2.2 s back, the third 3.2 s.
    expect(strict.segments.map((segment) => segment.parts.length)).toEqual([0, 0, 0, 5, 5, 2]);
  });

  it('writes plain fMP4 HLS without any low-latency tag for the fmp4 variant', () => {
    const { window } = windowOf({ segments: 2, openParts: 3 });
    const text = renderPlaylist(window, { ...LL, lowLatency: false });
    expect(text).not.toMatch(/EXT-X-PART|PRELOAD-HINT|SERVER-CONTROL/);
    expect(text.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-MEDIA-SEQUENCE:100',
      '#EXT-X-MAP:URI="init_1000.mp4"',
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T10:00:00.000Z',
      '#EXTINF:1,',
      'seg_100.m4s',
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T10:00:01.000Z',
      '#EXTINF:1,',
      'seg_101.m4s',
    ]);
    expect(parseBack(text).warnings).toEqual([]);
  });

  it('marks the seam of a new FFmpeg run with its own init segment, and counts discontinuities that left the window', () => {
    const { window, feed } = windowOf({ listSize: 2, segments: 2 });
    window.endRun();
    window.setInit(Uint8Array.of(2)); // the next run's init: init_1011
    feed(5 * 2 + 1);
    let text = renderPlaylist(window, LL);
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:102');
    expect(text).not.toMatch(/^#EXT-X-DISCONTINUITY$/m);
    // Two complete segments of the new run remain; the old run's have left, and with them the seam.
    expect(text).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
    expect(text).toContain('#EXT-X-MAP:URI="init_1011.mp4"');

    const second = windowOf({ listSize: 3, segments: 2 });
    second.window.endRun();
    second.window.setInit(Uint8Array.of(2));
    second.feed(5);
    text = renderPlaylist(second.window, LL);
    const lines = text.split('\n');
    expect(lines[lines.indexOf('seg_101.m4s') + 1]).toBe('#EXT-X-DISCONTINUITY');
    expect(parseBack(text).manifest.discontinuityStarts).toEqual([2]);
  });

  it('skips what lies more than six target durations back when asked for a delta update', () => {
    const { window } = windowOf({ listSize: 10, segments: 10, openParts: 1 });
    const text = renderPlaylist(window, { ...LL, skip: true });
    expect(text).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=4');
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:100');
    expect(text).not.toContain('seg_103.m4s');
    expect(text).toContain('seg_104.m4s');
    expect(parseBack(text).warnings).toEqual([]);
  });

  it('hints the next part after a segment that ended early, but not between FFmpeg runs', () => {
    const window = new LiveWindow({ listSize: 6, firstMsn: 100, firstFileNumber: 1000 });
    window.setInit(Uint8Array.of(1));
    for (let n = 0; n < 3; n++) {
      const part: Part = { data: Uint8Array.of(n), duration: 0.2, startTime: n * 0.2, independent: n === 0 };
      window.addPart(part, T0 + n * 200, { segmentStart: n === 0, segmentEnd: n === 2 });
    }
    const text = renderPlaylist(window, LL);
    expect(text.split('\n').slice(-3)).toEqual(['#EXTINF:0.6,', 'seg_100.m4s', '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_1004.m4s"']);
    expect(parseBack(text).warnings).toEqual([]);
    window.endRun();
    expect(renderPlaylist(window, LL)).not.toContain('#EXT-X-PRELOAD-HINT');
  });

  it('has a valid playlist before the first part: just the hint', () => {
    const window = new LiveWindow({ listSize: 6, firstMsn: 100, firstFileNumber: 1000 });
    window.setInit(Uint8Array.of(1));
    const text = renderPlaylist(window, LL);
    expect(text).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_1001.m4s"');
    expect(parseBack(text).warnings).toEqual([]);
  });
});
