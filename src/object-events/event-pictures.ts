import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Event ids are made by us (digits, a dot, a dash, hex): safe as file names. */
const EVENT_ID = /^\d+\.\d{6}-[0-9a-f]{6}$/;

/**
 * The events' pictures on disk: EVENT_DIR/snapshots/<event id>.jpg, the full-size frame of each
 * event's best detection, replaced whenever a better one comes. Written under a temporary name
 * and renamed, so that a reader never gets half a JPEG.
 */
export class EventPictures {
  readonly #dir: string;
  /** One write at a time: a better picture must never be overtaken by the one it replaces. */
  #writing = Promise.resolve();

  constructor(eventDir: string) {
    this.#dir = path.join(eventDir, 'snapshots');
  }

  #file(id: string): string {
    if (!EVENT_ID.test(id)) throw new Error(`not an event id: ${id}`);
    return path.join(this.#dir, `${id}.jpg`);
  }

  save(id: string, jpeg: Buffer): Promise<void> {
    const file = this.#file(id);
    const write = this.#writing.then(async () => {
      await mkdir(this.#dir, { recursive: true });
      await writeFile(`${file}.part`, jpeg);
      await rename(`${file}.part`, file);
    });
    this.#writing = write.catch(() => {});
    return write;
  }

  read(id: string): Promise<Buffer | undefined> {
    return readFile(this.#file(id)).catch(() => undefined);
  }

  async remove(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => rm(this.#file(id), { force: true })));
  }
}
