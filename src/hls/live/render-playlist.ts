import HLS from 'hls-parser';
import type { LiveWindow, WindowSegment } from './live-window.js';

const { MediaPlaylist, Segment, PartialSegment, MediaInitializationSection } = HLS.types;

export interface RenderOptions {
  /** Parts, preload hint and blocking reload (lowlatency), or whole segments only (fmp4). */
  lowLatency: boolean;
  /** Seconds; at least the segment target, and never below a segment already listed. */
  targetDuration: number;
  /** Seconds; at least the configured part time, and never below a part already listed. */
  partTarget: number;
  /** The client asked for a delta update (_HLS_skip=YES). */
  skip: boolean;
}

/** Three decimals: enough for any frame rate, and no 0.19999999 in playlists. */
const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** Parts are listed for the segments of the last this-many target durations (the spec's advice). */
const PART_LISTING_TARGET_DURATIONS = 3;
/** Delta updates may skip what lies more than this many target durations behind the live edge (the spec's minimum). */
const SKIP_TARGET_DURATIONS = 6;

/**
 * The media playlist of a live window: EXT-X-MAP per run, program date-times,
 * discontinuities between runs, and for low latency the parts of the last few
 * segments, the preload hint of the next part, server control and, on request,
 * a delta update. Written by hls-parser.
 */
export function renderPlaylist(window: LiveWindow, options: RenderOptions): string {
  const { lowLatency, targetDuration, partTarget } = options;
  const listed = lowLatency ? window.segments : window.segments.filter((segment) => segment.complete);
  const first = listed[0];
  const canSkipUntil = SKIP_TARGET_DURATIONS * targetDuration;
  const skipped = lowLatency && options.skip ? skippable(listed, canSkipUntil) : 0;
  const partsFrom = partsListedFrom(listed, PART_LISTING_TARGET_DURATIONS * targetDuration);

  const segments = listed.slice(skipped).map((segment, i) => {
    const index = skipped + i;
    const parts =
      lowLatency && index >= partsFrom
        ? segment.parts.map(
            (part) =>
              new PartialSegment({
                hint: false,
                uri: part.name,
                duration: round(part.duration),
                independent: part.independent || undefined,
              }),
          )
        : [];
    if (lowLatency && segment === window.open) parts.push(new PartialSegment({ hint: true, uri: window.nextPartName }));
    return new Segment({
      uri: segment.complete ? segment.name : '',
      duration: round(segment.duration),
      mediaSequenceNumber: segment.msn,
      discontinuitySequence: segment.discontinuitySequence,
      // The first listed segment's seam is carried by EXT-X-DISCONTINUITY-SEQUENCE.
      discontinuity: index > 0 && segment.discontinuity,
      map: new MediaInitializationSection({ uri: segment.init }),
      programDateTime: segment.programDateTime,
      parts,
    });
  });
  // The next part opens a segment not begun yet: in a window with nothing listed, or after a segment
  // that ended early (a run's short first one) while the run goes on.
  if (lowLatency && !window.open && (listed.length === 0 || window.expectsPart)) {
    segments.push(
      new Segment({
        uri: '',
        duration: 0,
        mediaSequenceNumber: window.edge.msn + 1,
        discontinuitySequence: 0,
        parts: [new PartialSegment({ hint: true, uri: window.nextPartName })],
      }),
    );
  }
  const playlist = new MediaPlaylist({
    version: lowLatency ? 9 : 6,
    targetDuration,
    mediaSequenceBase: first?.msn ?? window.edge.msn + 1,
    discontinuitySequenceBase: first?.discontinuitySequence ?? 0,
    independentSegments: listed.every((segment) => segment.independent),
    segments,
    skip: skipped,
    ...(lowLatency
      ? {
          partTargetDuration: round(partTarget),
          lowLatencyCompatibility: {
            canBlockReload: true,
            canSkipUntil,
            holdBack: round(3 * targetDuration),
            partHoldBack: round(3 * partTarget),
          },
        }
      : {}),
  });
  return HLS.stringify(playlist);
}

/** How many leading segments lie entirely more than `seconds` behind the live edge. */
function skippable(segments: readonly WindowSegment[], seconds: number): number {
  let behind = 0;
  let count = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (behind >= seconds) count += 1;
    behind += segments[i]!.duration;
  }
  return count;
}

/** The index of the first segment whose parts are listed: those lying wholly within `seconds` of the live edge. */
function partsListedFrom(segments: readonly WindowSegment[], seconds: number): number {
  let behind = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    behind += segments[i]!.duration;
    if (behind > seconds) return i + 1;
  }
  return 0;
}
