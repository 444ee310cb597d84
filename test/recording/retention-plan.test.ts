import { describe, expect, it } from 'vitest';
import { planRetention } from '../../src/recording/retention-plan.js';
import type { RecordedSegment } from '../../src/recording/segment.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 11, 2, 12);
/** A 60 s, 100-byte segment that began `hoursAgo` before now. */
const seg = (name: string, hoursAgo: number, extra: Partial<RecordedSegment> = {}): RecordedSegment => ({
  name,
  start: now - hoursAgo * HOUR,
  duration: 60,
  bytes: 100,
  ...extra,
});
const plenty = { freeBytes: 10_000, minFreeBytes: 0, maxBytes: undefined };

describe('planRetention', () => {
  it('deletes what is past each camera’s own retention, and nothing else', () => {
    const plan = planRetention({
      ...plenty,
      now,
      cameras: [
        { id: 'a', retainMs: 24 * HOUR, segments: [seg('a1', 30), seg('a2', 23)] },
        { id: 'b', retainMs: 2 * HOUR, segments: [seg('b1', 3), seg('b2', 1)] },
      ],
    });
    expect(plan).toEqual({
      delete: new Map([
        ['a', ['a1']],
        ['b', ['b1']],
      ]),
      forced: [],
      shortBytes: 0,
    });
  });

  it('keeps RECORD_MAX_BYTES across all cameras, oldest first', () => {
    const plan = planRetention({
      ...plenty,
      maxBytes: 250,
      now,
      cameras: [
        { id: 'a', retainMs: 99 * HOUR, segments: [seg('a1', 5), seg('a2', 3)] },
        { id: 'b', retainMs: 99 * HOUR, segments: [seg('b1', 4), seg('b2', 1)] },
      ],
    });
    expect(plan.delete).toEqual(
      new Map([
        ['a', ['a1']],
        ['b', ['b1']],
      ]),
    );
  });

  it('spares segments waiting for upload, except when the free-space guard needs them (and says so)', () => {
    const cameras = [{ id: 'a', retainMs: HOUR, segments: [seg('a1', 5, { upload: 'pending' }), seg('a2', 4), seg('a3', 0.1)] }];
    expect(planRetention({ ...plenty, maxBytes: 100, now, cameras }).delete).toEqual(new Map([['a', ['a2', 'a3']]]));
    const squeezed = planRetention({ ...plenty, now, cameras, freeBytes: 0, minFreeBytes: 150 });
    expect(squeezed).toEqual({ delete: new Map([['a', ['a1', 'a2']]]), forced: [{ id: 'a', name: 'a1' }], shortBytes: 0 });
  });

  it('reports the bytes it cannot free once every finished segment is gone', () => {
    const plan = planRetention({
      now,
      maxBytes: undefined,
      freeBytes: 50,
      minFreeBytes: 1000,
      cameras: [{ id: 'a', retainMs: HOUR, segments: [seg('a1', 0.5)] }],
    });
    expect(plan).toEqual({ delete: new Map([['a', ['a1']]]), forced: [], shortBytes: 850 });
  });

  it('deletes nothing when every limit holds', () => {
    const plan = planRetention({
      now,
      maxBytes: 1000,
      freeBytes: 500,
      minFreeBytes: 500,
      cameras: [{ id: 'a', retainMs: HOUR, segments: [seg('a1', 0.5)] }],
    });
    expect(plan).toEqual({ delete: new Map(), forced: [], shortBytes: 0 });
  });
});
