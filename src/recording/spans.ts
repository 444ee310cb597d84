import { endOf, type RecordedSegment } from './segment.js';

/**
 * How far apart two segments may be and still count as one span. Within a run
 * segments are chained end to start (to the millisecond); between runs there is
 * a real gap, which a timeline should show: an outage, or a restart of FFmpeg,
 * which loses about 0.2 s (measured) when the camera answers at once.
 */
export const SPAN_GAP_TOLERANCE_MS = 100;

export interface Span {
  start: number;
  end: number;
}

/** Runs of segments with no gap between them worth showing: what a timeline draws. Pure. */
export function spansOf(segments: readonly RecordedSegment[]): Span[] {
  const spans: Span[] = [];
  for (const segment of segments) {
    const last = spans.at(-1);
    if (last && segment.start - last.end <= SPAN_GAP_TOLERANCE_MS) last.end = Math.max(last.end, endOf(segment));
    else spans.push({ start: segment.start, end: endOf(segment) });
  }
  return spans;
}

/** Segments that hold any of [from, to), in start order. Pure. */
export function overlapping(segments: readonly RecordedSegment[], from: number, to: number): RecordedSegment[] {
  return segments.filter((segment) => segment.start < to && endOf(segment) > from);
}
