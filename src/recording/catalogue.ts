import { appendFile, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { cameraDir, INDEX_FILE, isSnapshot, startOfRecorded } from './layout.js';
import type { ProbeDuration } from './probe-duration.js';
import { endOf, type RecordedSegment } from './segment.js';

export interface CatalogueOptions {
  root: string;
  probe: ProbeDuration;
  log: Logger;
}

/**
 * What is recorded, per camera: every finished segment in start order. The
 * files are the truth; RECORD_DIR/<id>/index.jsonl remembers what the daemon
 * learnt about them (exact durations, upload state) so that a restart does not
 * probe thousands of files. Lines are upserts by name; files that are gone are
 * dropped when the index is read; files nobody listed (a crash's partial
 * segment) are probed once and added.
 */
/**
 * A file nobody listed is named to the second. When the segment before it ended within that
 * second, this one began there (a run cut short by a kill); otherwise the name is all there is.
 */
function startOfUnlisted(before: readonly RecordedSegment[], name: string): number {
  const named = startOfRecorded(name)!.getTime();
  if (isSnapshot(name)) return named;
  const previousEnd = before.filter((s) => s.start < named).reduce((end, s) => Math.max(end, endOf(s)), Number.NEGATIVE_INFINITY);
  return previousEnd > named && previousEnd - named < 1000 ? previousEnd : named;
}

export class RecordingCatalogue {
  readonly #cameras = new Map<string, RecordedSegment[]>();

  constructor(private readonly options: CatalogueOptions) {}

  /** Reads every camera's index and files. */
  async load(): Promise<void> {
    const ids = await readdir(this.options.root, { withFileTypes: true }).catch(() => []);
    for (const entry of ids) {
      if (entry.isDirectory()) await this.reconcile(entry.name, { rewrite: true });
    }
  }

  cameras(): string[] {
    return [...this.#cameras.keys()];
  }

  /** The camera's video segments, in start order. */
  segments(id: string): readonly RecordedSegment[] {
    return this.files(id).filter((file) => !isSnapshot(file.name));
  }

  /** The camera's snapshots (duration 0), in time order. */
  snapshots(id: string): readonly RecordedSegment[] {
    return this.files(id).filter((file) => isSnapshot(file.name));
  }

  /** Segments and snapshots together, in time order: what retention weighs. */
  files(id: string): readonly RecordedSegment[] {
    return this.#cameras.get(id) ?? [];
  }

  pathOf(id: string, segment: Pick<RecordedSegment, 'name'>): string {
    return path.join(cameraDir(this.options.root, id), segment.name);
  }

  async add(id: string, segment: RecordedSegment): Promise<void> {
    const segments = this.#list(id);
    const at = segments.findIndex((s) => s.start > segment.start);
    segments.splice(at === -1 ? segments.length : at, 0, segment);
    await this.#append(id, segment);
  }

  /** Records a change to one segment (its upload state), in memory and in the index. */
  async update(id: string, name: string, change: Partial<Pick<RecordedSegment, 'upload' | 's3Key'>>): Promise<void> {
    const segment = this.#list(id).find((s) => s.name === name);
    if (!segment) return;
    Object.assign(segment, change);
    await this.#append(id, segment);
  }

  /** Deletes segments (files, emptied day folders) and rewrites the camera's index. */
  async remove(id: string, names: readonly string[]): Promise<void> {
    const doomed = new Set(names);
    if (doomed.size === 0) return;
    const dir = cameraDir(this.options.root, id);
    for (const name of doomed) {
      await rm(path.join(dir, name), { force: true });
      await rmdir(path.join(dir, path.dirname(name))).catch(() => {}); // only when empty
    }
    this.#cameras.set(
      id,
      this.#list(id).filter((s) => !doomed.has(s.name)),
    );
    await this.#rewrite(id);
  }

  /**
   * Brings a camera's entry in line with its folder: indexed files that are gone are dropped,
   * unlisted ones (a run that ended without finishing its file) are probed and added.
   * `writing`: the file FFmpeg has open, left alone.
   */
  async reconcile(id: string, { rewrite = false, writing }: { rewrite?: boolean; writing?: string } = {}): Promise<void> {
    const dir = cameraDir(this.options.root, id);
    const onDisk = await this.#filesIn(dir);
    const known = rewrite ? await this.#readIndex(dir) : new Map(this.#list(id).map((s) => [s.name, s]));
    const segments: RecordedSegment[] = [];
    for (const [name, bytes] of onDisk) {
      const indexed = known.get(name);
      if (indexed) {
        segments.push({ ...indexed, bytes });
        continue;
      }
      if (name === writing) continue;
      // A snapshot is written whole (then renamed into place); a segment is probed for what it holds.
      const duration = bytes === 0 ? undefined : isSnapshot(name) ? 0 : await this.options.probe(path.join(dir, name));
      if (duration === undefined) {
        this.options.log.warn({ stream: id, file: name }, 'a recording holds nothing playable; deleting it');
        await rm(path.join(dir, name), { force: true });
        continue;
      }
      const segment: RecordedSegment = { name, start: startOfUnlisted(segments, name), duration, bytes };
      segments.push(segment);
      if (!rewrite) await this.#append(id, segment);
    }
    segments.sort((a, b) => a.start - b.start);
    if (segments.length === 0 && !this.#cameras.has(id)) return;
    this.#cameras.set(id, segments);
    if (rewrite) await this.#rewrite(id);
  }

  #list(id: string): RecordedSegment[] {
    let segments = this.#cameras.get(id);
    if (!segments) {
      segments = [];
      this.#cameras.set(id, segments);
    }
    return segments;
  }

  /** Segment names under a camera's folder, with their sizes. */
  async #filesIn(dir: string): Promise<Map<string, number>> {
    const files = new Map<string, number>();
    const days = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const day of days) {
      if (!day.isDirectory()) continue;
      for (const file of await readdir(path.join(dir, day.name)).catch(() => [])) {
        const name = `${day.name}/${file}`;
        if (!startOfRecorded(name)) continue;
        const stats = await stat(path.join(dir, name)).catch(() => undefined);
        if (stats?.isFile()) files.set(name, stats.size);
      }
    }
    return files;
  }

  async #readIndex(dir: string): Promise<Map<string, RecordedSegment>> {
    const text = await readFile(path.join(dir, INDEX_FILE), 'utf8').catch(() => '');
    const entries = new Map<string, RecordedSegment>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const segment = JSON.parse(line) as RecordedSegment;
        if (typeof segment.name === 'string' && startOfRecorded(segment.name)) entries.set(segment.name, segment);
      } catch {
        // A line cut short by a crash: that segment is probed again.
      }
    }
    return entries;
  }

  async #append(id: string, segment: RecordedSegment): Promise<void> {
    await appendFile(path.join(cameraDir(this.options.root, id), INDEX_FILE), `${JSON.stringify(segment)}\n`);
  }

  async #rewrite(id: string): Promise<void> {
    const file = path.join(cameraDir(this.options.root, id), INDEX_FILE);
    const text = this.#list(id)
      .map((segment) => `${JSON.stringify(segment)}\n`)
      .join('');
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }
}
