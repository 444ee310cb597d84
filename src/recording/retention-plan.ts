import { endOf, type RecordedSegment } from './segment.js';

export interface RetentionInput {
  cameras: Array<{ id: string; segments: readonly RecordedSegment[]; retainMs: number }>;
  now: number;
  /** RECORD_MAX_BYTES: all recordings together; undefined: no limit. */
  maxBytes: number | undefined;
  /** Free bytes on the recordings' disk now. */
  freeBytes: number;
  /** RECORD_MIN_FREE_BYTES. */
  minFreeBytes: number;
}

export interface RetentionPlan {
  /** Per camera, the names to delete. */
  delete: Map<string, string[]>;
  /** Deleted while still waiting for upload: only the free-space guard does that. */
  forced: Array<{ id: string; name: string }>;
  /** Bytes still missing to RECORD_MIN_FREE_BYTES once everything deletable is gone (0: kept). */
  shortBytes: number;
}

interface Candidate {
  id: string;
  segment: RecordedSegment;
}

/**
 * Which finished segments go, oldest first: those past their camera's
 * retention, then as many as RECORD_MAX_BYTES needs, then as many as the free
 * space needs. Segments waiting for upload are spared by the first two and
 * taken by the last only. (The segment FFmpeg is writing is never listed.) Pure.
 */
export function planRetention({ cameras, now, maxBytes, freeBytes, minFreeBytes }: RetentionInput): RetentionPlan {
  const all: Candidate[] = cameras
    .flatMap(({ id, segments }) => segments.map((segment) => ({ id, segment })))
    .sort((a, b) => a.segment.start - b.segment.start);
  const retainOf = new Map(cameras.map((camera) => [camera.id, camera.retainMs]));
  const doomed = new Set<Candidate>();
  const forced: RetentionPlan['forced'] = [];
  const pending = (c: Candidate) => c.segment.upload === 'pending';
  let kept = all.reduce((sum, c) => sum + c.segment.bytes, 0);
  let freed = 0;
  const take = (candidate: Candidate) => {
    doomed.add(candidate);
    kept -= candidate.segment.bytes;
    freed += candidate.segment.bytes;
  };

  for (const candidate of all) {
    if (!pending(candidate) && endOf(candidate.segment) < now - retainOf.get(candidate.id)!) take(candidate);
  }
  if (maxBytes !== undefined) {
    for (const candidate of all) {
      if (kept <= maxBytes) break;
      if (!doomed.has(candidate) && !pending(candidate)) take(candidate);
    }
  }
  for (const candidate of all) {
    if (freeBytes + freed >= minFreeBytes) break;
    if (doomed.has(candidate)) continue;
    if (pending(candidate)) forced.push({ id: candidate.id, name: candidate.segment.name });
    take(candidate);
  }

  const plan = new Map<string, string[]>();
  for (const { id, segment } of all.filter((c) => doomed.has(c))) plan.set(id, [...(plan.get(id) ?? []), segment.name]);
  return { delete: plan, forced, shortBytes: Math.max(0, minFreeBytes - freeBytes - freed) };
}
