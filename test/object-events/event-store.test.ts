import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStore } from '../../src/object-events/event-store.js';
import type { ObjectEvent } from '../../src/tracking/object-event.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function storeFile() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sm-event-store-'));
  dirs.push(dir);
  return path.join(dir, 'events', 'events.db');
}

const event = (n: number, camera = 'gate', label = 'person', end: number | null = 1000 + n + 5): ObjectEvent => ({
  id: `${1000 + n}.000000-${String(n).padStart(6, '0')}`,
  camera,
  label,
  score: 0.8,
  top_score: 0.9,
  box: { x: 0, y: 0, w: 0.1, h: 0.1 },
  start_time: 1000 + n,
  end_time: end,
  stationary: false,
  current_zones: [],
  entered_zones: [],
  has_snapshot: false,
  snapshot: null,
  has_clip: false,
  frames: 2,
});

describe('EventStore (SQLite through libSQL)', () => {
  it('creates nothing until the first event, then keeps the latest state of each', async () => {
    const file = await storeFile();
    const store = new EventStore(file);
    expect(store.list({ limit: 10 })).toEqual({ events: [], next_cursor: null });
    expect(store.get('1.000000-000000')).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    store.save(event(1, 'gate', 'person', null));
    store.save(event(1));
    expect(existsSync(file)).toBe(true);
    expect(store.get(event(1).id)).toEqual(event(1));
    store.close();
    // Another run reads it back.
    expect(new EventStore(file).get(event(1).id)).toEqual(event(1));
  });

  it('lists newest first with filters, and pages with a cursor that is stable while events arrive', async () => {
    const store = new EventStore(await storeFile());
    for (let n = 0; n < 7; n++) store.save(event(n, n % 2 ? 'door' : 'gate', n % 3 ? 'person' : 'car'));
    const ids = (page: { events: ObjectEvent[] }) => page.events.map((e) => e.start_time - 1000);
    const first = store.list({ limit: 3 });
    expect(ids(first)).toEqual([6, 5, 4]);
    store.save(event(9)); // newer than everything: not on the next pages
    const second = store.list({ limit: 3, cursor: first.next_cursor! });
    expect(ids(second)).toEqual([3, 2, 1]);
    const third = store.list({ limit: 3, cursor: second.next_cursor! });
    expect(ids(third)).toEqual([0]);
    expect(third.next_cursor).toBeNull();
    expect(ids(store.list({ limit: 10, camera: 'door' }))).toEqual([5, 3, 1]);
    expect(ids(store.list({ limit: 10, label: 'car' }))).toEqual([6, 3, 0]);
    expect(ids(store.list({ limit: 10, after: 1002, before: 1005 }))).toEqual([4, 3, 2]);
    expect(() => store.list({ limit: 3, cursor: 'not-ours' })).toThrow(/cursor/);
  });

  it('ends what a killed run left open at its last update, and deletes ended events past retention', async () => {
    const store = new EventStore(await storeFile());
    store.save(event(1, 'gate', 'person', null), 1_500_000);
    store.save(event(2));
    const ended = store.endDangling();
    expect(ended).toHaveLength(1);
    expect(ended[0]!.after).toMatchObject({ id: event(1).id, end_time: 1500 });
    expect(store.get(event(1).id)!.end_time).toBe(1500);
    expect(store.endDangling()).toEqual([]);
    expect(store.deleteEndedBefore(1100)).toEqual([event(2).id]);
    expect(store.get(event(2).id)).toBeUndefined();
    expect(store.delete(event(1).id)).toBe(true);
    expect(store.delete(event(1).id)).toBe(false);
  });
});
