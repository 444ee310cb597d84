import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import type { ObjectEvent } from '../tracking/object-event.js';

export interface EventQuery {
  camera?: string;
  label?: string;
  /** Epoch seconds: events that started at or after. */
  after?: number;
  /** Epoch seconds: events that started before. */
  before?: number;
  limit: number;
  /** From the previous page's next_cursor. */
  cursor?: string;
}

/** The database's name in EVENT_DIR. */
export const EVENTS_DB = 'events.db';

interface Row {
  data: string;
}

/** The page after (start_time, id), newest first: a keyset cursor, stable while events are added. */
const encodeCursor = (event: ObjectEvent) => Buffer.from(JSON.stringify([event.start_time, event.id])).toString('base64url');

export class InvalidCursor extends Error {}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // falls through
  }
  throw new InvalidCursor('cursor is not one this API gave out');
}

/**
 * Events on disk, in SQLite (libSQL's build of it, which installs from npm
 * with no compiler): one row per event with its latest state as JSON, indexed
 * by time, camera and label. Writes are synchronous and small (a row per new,
 * update or end), which SQLite in WAL mode does in well under a millisecond.
 * The file is created by the first event: a daemon that never detects
 * anything leaves no database behind.
 */
export class EventStore {
  #db: Database.Database | undefined;
  #upsert: Database.Statement | undefined;

  constructor(private readonly file: string) {}

  /** The database, opened (and created, with `create`) on first use; undefined when there is none yet. */
  #open(create: boolean): Database.Database | undefined {
    if (this.#db) return this.#db;
    if (!create && !existsSync(this.file)) return undefined;
    mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    const db = new Database(this.file);
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS events (
        id TEXT PRIMARY KEY,
        camera TEXT NOT NULL,
        label TEXT NOT NULL,
        start_time REAL NOT NULL,
        end_time REAL,
        updated_at REAL NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS events_by_start ON events (start_time DESC, id DESC);
      CREATE INDEX IF NOT EXISTS events_by_camera ON events (camera, start_time DESC);
    `);
    this.#upsert = db.prepare(`
      INSERT INTO events (id, camera, label, start_time, end_time, updated_at, data)
      VALUES (@id, @camera, @label, @start_time, @end_time, @updated_at, @data)
      ON CONFLICT (id) DO UPDATE SET end_time = excluded.end_time, updated_at = excluded.updated_at, data = excluded.data
    `);
    this.#db = db;
    return db;
  }

  save(event: ObjectEvent, at = Date.now()): void {
    this.#open(true);
    this.#upsert!.run({
      id: event.id,
      camera: event.camera,
      label: event.label,
      start_time: event.start_time,
      end_time: event.end_time,
      updated_at: at / 1000,
      data: JSON.stringify(event),
    });
  }

  get(id: string): ObjectEvent | undefined {
    const row = this.#open(false)?.prepare('SELECT data FROM events WHERE id = ?').get(id) as Row | undefined;
    return row ? (JSON.parse(row.data) as ObjectEvent) : undefined;
  }

  /** Newest first; next_cursor when there may be more. */
  list(query: EventQuery): { events: ObjectEvent[]; next_cursor: string | null } {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit + 1 };
    if (query.camera !== undefined) {
      where.push('camera = @camera');
      params.camera = query.camera;
    }
    if (query.label !== undefined) {
      where.push('label = @label');
      params.label = query.label;
    }
    if (query.after !== undefined) {
      where.push('start_time >= @after');
      params.after = query.after;
    }
    if (query.before !== undefined) {
      where.push('start_time < @before');
      params.before = query.before;
    }
    if (query.cursor !== undefined) {
      const [start, id] = decodeCursor(query.cursor);
      where.push('(start_time < @cursorStart OR (start_time = @cursorStart AND id < @cursorId))');
      params.cursorStart = start;
      params.cursorId = id;
    }
    const sql = `SELECT data FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_time DESC, id DESC LIMIT @limit`;
    const rows = (this.#open(false)?.prepare(sql).all(params) ?? []) as Row[];
    const events = rows.slice(0, query.limit).map((row) => JSON.parse(row.data) as ObjectEvent);
    return { events, next_cursor: rows.length > query.limit ? encodeCursor(events.at(-1)!) : null };
  }

  delete(id: string): boolean {
    return (this.#open(false)?.prepare('DELETE FROM events WHERE id = ?').run(id).changes ?? 0) > 0;
  }

  /** Deletes events that ended before `endedBefore` (epoch seconds); returns their ids. */
  deleteEndedBefore(endedBefore: number): string[] {
    const db = this.#open(false);
    if (!db) return [];
    const rows = db.prepare('SELECT id FROM events WHERE end_time IS NOT NULL AND end_time < ?').all(endedBefore) as Array<{ id: string }>;
    db.prepare('DELETE FROM events WHERE end_time IS NOT NULL AND end_time < ?').run(endedBefore);
    return rows.map((row) => row.id);
  }

  /**
   * Events a previous run left without an end (it was killed): each ends at its
   * last update. Returns them, ended, so that the ends can be published.
   */
  endDangling(): Array<{ before: ObjectEvent; after: ObjectEvent }> {
    const rows = (this.#open(false)?.prepare('SELECT data, updated_at FROM events WHERE end_time IS NULL').all() ?? []) as Array<
      Row & { updated_at: number }
    >;
    return rows.map((row) => {
      const before = JSON.parse(row.data) as ObjectEvent;
      const after: ObjectEvent = { ...before, end_time: row.updated_at, current_zones: [] };
      this.save(after, row.updated_at * 1000);
      return { before, after };
    });
  }

  close(): void {
    this.#db?.close();
    this.#db = undefined;
  }
}
