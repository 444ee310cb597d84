import { close, mkdir, open, writev } from 'node:fs';
import path from 'node:path';
import { recordedName } from './layout.js';

/** Names already taken for a second are tried with the next one (a run restarted within the second). */
const NAME_ATTEMPTS = 5;

/**
 * One recording segment being written by the daemon: created under its UTC
 * name (never over an existing file), appended to in order, each write handed
 * to the kernel at once so that a crash loses only what had not yet arrived.
 * On fs's callbacks rather than FileHandle, whose promise chains cost several
 * times as much CPU for the handful of writes a second every camera makes.
 */
export class SegmentFile {
  #bytes = 0;
  #chain: Promise<number | undefined>;
  #error: unknown;
  #name: string | undefined;

  constructor(dir: string, startedAt: number) {
    this.#chain = this.#create(dir, startedAt).catch((error: unknown) => {
      this.#error = error;
      return undefined;
    });
  }

  /** Appends these buffers, in one write. */
  append(...buffers: Uint8Array[]): void {
    this.#chain = this.#chain.then(
      (fd) =>
        new Promise((resolve) => {
          if (fd === undefined || this.#error !== undefined) return resolve(fd);
          writev(fd, buffers, (error, written) => {
            if (error) this.#error = error;
            this.#bytes += written;
            resolve(fd);
          });
        }),
    );
  }

  /** Closes the file: its name (relative to the camera's folder) and size, or why it could not be written. */
  async close(): Promise<{ name: string; bytes: number } | { error: unknown }> {
    const fd = await this.#chain;
    if (fd !== undefined) {
      await new Promise<void>((resolve) =>
        close(fd, (error) => {
          if (error) this.#error ??= error;
          resolve();
        }),
      );
    }
    if (this.#error !== undefined || this.#name === undefined) return { error: this.#error };
    return { name: this.#name, bytes: this.#bytes };
  }

  async #create(dir: string, startedAt: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const name = recordedName(new Date(startedAt + attempt * 1000));
      const file = path.join(dir, name);
      const fd = await new Promise<number | 'taken'>((resolve, reject) =>
        mkdir(path.dirname(file), { recursive: true }, (mkdirError) => {
          if (mkdirError) return reject(mkdirError);
          open(file, 'wx', (error, fd) => {
            if (error?.code === 'EEXIST' && attempt + 1 < NAME_ATTEMPTS) resolve('taken');
            else if (error) reject(error);
            else resolve(fd);
          });
        }),
      );
      if (fd !== 'taken') {
        this.#name = name;
        return fd;
      }
    }
  }
}
