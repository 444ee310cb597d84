import { type FSWatcher, watch as watchDirectory } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { MediaConfiner } from '../sources/media-path.js';
import { redactText } from '../util/redact.js';
import { type CameraEntry, CamerasFileError, parseCamerasFile, sameEntry } from './camera-file.js';
import { checkMediaPaths } from './media-check.js';

export interface RegistryChange {
  added: string[];
  removed: string[];
  changed: string[];
}

export type RegistryListener = (change: RegistryChange) => void | Promise<void>;

export interface CameraRegistryOptions {
  file: string;
  log: Logger;
  allowedSchemes?: string[];
  /** MEDIA_DIR: file: cameras outside it fail the load; without it, file: cameras are not checked here. */
  confineMedia?: MediaConfiner;
}

/** The file's cameras, with file: paths confined; throws CamerasFileError. */
async function readEntries(text: string, options: CameraRegistryOptions): Promise<Map<string, CameraEntry>> {
  const entries = parseCamerasFile(text, options.allowedSchemes);
  if (options.confineMedia) await checkMediaPaths(entries, options.confineMedia);
  return entries;
}

// Editors and ConfigMap updates touch the file in bursts (truncate, write, rename); one reload per burst.
const DEBOUNCE_MS = 100;
// Kubernetes ConfigMaps swap this symlink in the mounted directory instead of touching the file.
const CONFIGMAP_DATA_LINK = '..data';

function reasonOf(error: unknown): string {
  if (error instanceof CamerasFileError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return redactText(code ?? (error instanceof Error ? error.message : String(error)));
}

function diff(before: ReadonlyMap<string, CameraEntry>, after: ReadonlyMap<string, CameraEntry>): RegistryChange {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [id, entry] of after) {
    const previous = before.get(id);
    if (!previous) added.push(id);
    else if (!sameEntry(previous, entry)) changed.push(id);
  }
  const removed = [...before.keys()].filter((id) => !after.has(id));
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/**
 * The cameras named in CAMERAS_FILE. A bad file at open is fatal (better no
 * daemon than one serving the wrong cameras); a bad file on reload keeps the
 * cameras already known, because a half-written edit must not stop streams.
 */
export class CameraRegistry {
  readonly #file: string;
  readonly #log: Logger;
  readonly #options: CameraRegistryOptions;
  #entries: Map<string, CameraEntry>;
  readonly #listeners = new Set<RegistryListener>();
  #running: Promise<RegistryChange | undefined> | undefined;
  #queued: Promise<RegistryChange | undefined> | undefined;
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(options: CameraRegistryOptions, entries: Map<string, CameraEntry>) {
    this.#file = path.resolve(options.file);
    this.#log = options.log.child({ component: 'cameras' });
    this.#options = options;
    this.#entries = entries;
  }

  static async open(options: CameraRegistryOptions): Promise<CameraRegistry> {
    const file = path.resolve(options.file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CamerasFileError([{ message: `cannot read ${file}: ${reasonOf(error)}` }]);
    }
    let entries: Map<string, CameraEntry>;
    try {
      entries = await readEntries(text, options);
    } catch (error) {
      if (error instanceof CamerasFileError) throw new CamerasFileError([{ message: `${file}: ${error.message}` }]);
      throw error;
    }
    const registry = new CameraRegistry(options, entries);
    registry.#log.info({ file, cameras: entries.size }, 'camera registry loaded');
    return registry;
  }

  get(id: string): CameraEntry | undefined {
    return this.#entries.get(id);
  }

  ids(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /**
   * Listeners run inside the reload, one after another, so that they see
   * changes in order. A listener must therefore not await reload() itself.
   */
  /** Calls `listener` after each reload that changed something; returns the unsubscribe. */
  onChange(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Re-reads the file. Runs one at a time: a call made while a reload runs
   * gets one more reload after it (shared by every caller in the meantime),
   * so the last write is always read after it happened.
   */
  reload(): Promise<RegistryChange | undefined> {
    // After close (shutdown), a late SIGHUP or queued reload must not start streams.
    if (this.#closed) return Promise.resolve(undefined);
    if (this.#queued) return this.#queued;
    if (!this.#running) return this.#start();
    this.#queued = this.#running.then(() => {
      this.#queued = undefined;
      return this.#start();
    });
    return this.#queued;
  }

  /** Follows the file through in-place writes, atomic renames and ConfigMap symlink swaps. */
  watch(): void {
    if (this.#closed) throw new Error('the camera registry is closed');
    if (this.#watcher) return;
    const directory = path.dirname(this.#file);
    const name = path.basename(this.#file);
    // The directory, not the file: a rename replaces the inode a file watch would be stuck on.
    this.#watcher = watchDirectory(directory, { persistent: false }, (_event, filename) => {
      // Some platforms omit the name; reloading too often is harmless, missing a change is not.
      if (filename === null || filename === name || filename === CONFIGMAP_DATA_LINK) this.#schedule();
    });
    this.#watcher.on('error', (error) => {
      this.#log.warn(
        { file: this.#file, reason: reasonOf(error) },
        'camera file watch failed; changes need a restart or an explicit reload',
      );
      this.#watcher?.close();
      this.#watcher = undefined;
    });
  }

  /** Stops watching and reloading. A reload already running finishes; none starts afterwards. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    this.#debounce = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #schedule(): void {
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      if (!this.#closed) void this.reload();
    }, DEBOUNCE_MS);
    this.#debounce.unref();
  }

  #start(): Promise<RegistryChange | undefined> {
    const run = this.#reloadOnce().finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  // Never rejects: callers include a timer, where a rejection would be unhandled.
  async #reloadOnce(): Promise<RegistryChange | undefined> {
    if (this.#closed) return undefined; // queued before close
    let entries: Map<string, CameraEntry>;
    try {
      entries = await readEntries(await readFile(this.#file, 'utf8'), this.#options);
    } catch (error) {
      this.#log.warn(
        { file: this.#file, reason: reasonOf(error), cameras: this.#entries.size },
        'camera file rejected; keeping the previous cameras',
      );
      return undefined;
    }
    const change = diff(this.#entries, entries);
    this.#entries = entries;
    const total = change.added.length + change.removed.length + change.changed.length;
    if (total === 0) {
      this.#log.debug({ file: this.#file }, 'camera file reloaded; nothing changed');
      return change;
    }
    this.#log.info({ file: this.#file, ...change }, 'camera file reloaded');
    for (const listener of this.#listeners) {
      try {
        await listener(change);
      } catch (error) {
        this.#log.error({ reason: reasonOf(error) }, 'camera change listener failed');
      }
    }
    return change;
  }
}
