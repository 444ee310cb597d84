import { describe, expect, it } from 'vitest';
import type { Box, Detection } from '../../src/detection/types.js';
import { CameraEvents } from '../../src/tracking/camera-events.js';
import { DEFAULT_EVENT_RULES, type EventRules } from '../../src/tracking/event-rules.js';
import type { EventMessage } from '../../src/tracking/object-event.js';

const FPS = 2;
const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);

function camera(rules: Partial<EventRules> = {}) {
  let n = 0;
  return new CameraEvents({ camera: 'gate', rules: { ...DEFAULT_EVENT_RULES, ...rules }, newId: () => `event-${++n}`, hasClip: false });
}

const box = (x: number, y = 0.4, w = 0.1, h = 0.2): Box => ({ x, y, w, h });
const person = (b: Box, score = 0.9): Detection => ({ label: 'person', score, box: b });

/** Feeds `seconds` of frames at `fps`; `scene(t)` gives each frame's detections (t: seconds since start). */
function play(events: CameraEvents, seconds: number, scene: (t: number, frame: number) => Detection[], fps = FPS): EventMessage[] {
  const messages: EventMessage[] = [];
  for (let frame = 0; frame < seconds * fps; frame++) {
    const t = frame / fps;
    messages.push(...events.frame(T0 + t * 1000, scene(t, frame)));
  }
  return messages;
}

const types = (messages: EventMessage[]) => messages.map((m) => m.type);
const count = (messages: EventMessage[], type: string) => messages.filter((m) => m.type === type).length;

describe('CameraEvents on sequences of detections', () => {
  it('one steady object: one new after EVENT_MIN_FRAMES frames, one update when it becomes stationary, one end when the camera stops', () => {
    const events = camera();
    const messages = play(events, 20, () => [person(box(0.3))]);
    expect(types(messages)).toEqual(['new', 'update']);
    const [created, still] = messages;
    expect(created!.after).toMatchObject({
      id: 'event-1',
      camera: 'gate',
      label: 'person',
      frames: DEFAULT_EVENT_RULES.minFrames,
      end_time: null,
      stationary: false,
      start_time: T0 / 1000,
    });
    expect(created!.before).toEqual(created!.after);
    expect(still!.after).toMatchObject({ id: 'event-1', stationary: true });
    expect(still!.before.stationary).toBe(false);
    const ended = events.close(T0 + 20_000);
    expect(types(ended)).toEqual(['end']);
    expect(ended[0]!.after).toMatchObject({ id: 'event-1', end_time: (T0 + 20_000) / 1000, frames: 40 });
    expect(events.active()).toEqual([]);
  });

  it('nothing for a single-frame false positive, a low score, another label or a box below min_area', () => {
    expect(play(camera(), 10, (_t, frame) => (frame === 4 ? [person(box(0.3))] : []))).toEqual([]);
    expect(play(camera(), 10, () => [person(box(0.3), 0.4)])).toEqual([]);
    expect(play(camera({ labels: new Set(['car']) }), 10, () => [person(box(0.3))])).toEqual([]);
    expect(play(camera({ minArea: 0.05 }), 10, () => [person(box(0.3))])).toEqual([]); // 0.1 × 0.2 = 0.02
    expect(
      count(
        play(camera({ labels: new Set(['person']), minArea: 0.01 }), 10, () => [person(box(0.3))]),
        'new',
      ),
    ).toBe(1);
  });

  it('a detector that misses a frame now and then still gives one event', () => {
    const events = camera();
    const messages = play(events, 30, (t, frame) => (frame % 4 === 3 ? [] : [person(box(0.1 + t / 60))]));
    expect(count(messages, 'new')).toBe(1);
    expect(count(messages, 'end')).toBe(0);
  });

  it('an object that leaves and comes back after EVENT_END_SECONDS is two events; back sooner, one', () => {
    const away = (from: number, to: number) => (t: number) => (t >= from && t < to ? [] : [person(box(0.3))]);
    const long = play(camera(), 30, away(8, 16));
    expect(types(long).filter((t) => t !== 'update')).toEqual(['new', 'end', 'new']);
    const [first, end, second] = long.filter((m) => m.type !== 'update');
    expect(end!.after.id).toBe(first!.after.id);
    expect(end!.after.end_time).toBe((T0 + 7_500) / 1000); // when it was last seen
    expect(second!.after.id).not.toBe(first!.after.id);

    const short = play(camera(), 30, away(8, 11));
    expect(count(short, 'new')).toBe(1);
    expect(count(short, 'end')).toBe(0);
  });

  it('two objects crossing keep their own ids', () => {
    const events = camera();
    // One walks left to right, the other right to left, on the same line, crossing at t = 5 s.
    const messages = play(events, 10, (t) => [person(box(0.05 + t * 0.08)), person(box(0.85 - t * 0.08))]);
    expect(count(messages, 'new')).toBe(2);
    const ended = events.close(T0 + 10_000);
    expect(ended).toHaveLength(2);
    const byId = new Map(messages.filter((m) => m.type === 'new').map((m) => [m.after.id, m.after.box.x]));
    for (const end of ended) {
      const startX = byId.get(end.after.id)!;
      // The one that began on the left ends on the right, and the other way round.
      expect(Math.sign(end.after.box.x - 0.45)).toBe(-Math.sign(startX - 0.45));
    }
  });

  it('a moving object is updated at most once per EVENT_UPDATE_INTERVAL_SECONDS, however fast the frames come', () => {
    const events = camera();
    const messages = play(events, 10, (t) => [person(box(0.05 + t * 0.08))], 10);
    const updates = messages.filter((m) => m.type === 'update');
    expect(updates.length).toBeGreaterThanOrEqual(5);
    expect(updates.length).toBeLessThanOrEqual(10);
    for (let i = 1; i < updates.length; i++) {
      expect(updates[i]!.after.box.x - updates[i - 1]!.after.box.x).toBeGreaterThanOrEqual(0.08 * 0.99); // ≥ 1 s apart
    }
  });

  it('with zones, only an object that enters one is an event, and the event says which', () => {
    const fence = {
      name: 'yard',
      points: [
        [0.5, 0],
        [1, 0],
        [1, 1],
        [0.5, 1],
      ] as Array<[number, number]>,
    };
    expect(play(camera({ zones: [fence] }), 10, () => [person(box(0.1))])).toEqual([]);
    const events = camera({ zones: [fence] });
    // Walks from the street (x 0.1) into the yard (feet past x 0.5 after about 5 s).
    const messages = play(events, 10, (t) => [person(box(0.1 + t * 0.08))]);
    const created = messages.find((m) => m.type === 'new')!;
    expect(created.after.entered_zones).toEqual(['yard']);
    expect(created.after.current_zones).toEqual(['yard']);
    expect(created.after.start_time).toBe(T0 / 1000); // tracked since the street
  });

  it('ends objects unseen for EVENT_END_SECONDS when no frames come at all', () => {
    const events = camera();
    expect(
      count(
        play(events, 3, () => [person(box(0.3))]),
        'new',
      ),
    ).toBe(1);
    expect(events.tick(T0 + 4_000)).toEqual([]);
    expect(types(events.tick(T0 + 2_500 + 5_000))).toEqual(['end']);
  });
});
