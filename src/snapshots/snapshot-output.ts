import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { recordedName } from '../recording/layout.js';
import type { RecordedSegment } from '../recording/segment.js';
import type { PreparedOutput, RunPlan, StreamOutput } from '../streams/output.js';
import { MpjpegSplitter } from './mpjpeg-splitter.js';
import { buildSnapshotArgs } from './snapshot-args.js';

export interface SnapshotOutputOptions {
  /** RECORD_DIR/<id>: snapshots lie beside the camera's segments. */
  dir: string;
  /** snapshot_interval_seconds. */
  intervalSeconds: number;
  log: Logger;
  /** Each snapshot once it is on disk, whole (a snapshot: duration 0). */
  onSnapshot(snapshot: RecordedSegment): Promise<void>;
  clock?: () => number;
}

/**
 * The snapshot output of a camera's FFmpeg: a full-resolution JPEG of a
 * keyframe every snapshot_interval_seconds, stored as
 * RECORD_DIR/<id>/YYYY-MM-DD/HH-MM-SS.jpg (named by when it arrived, UTC).
 * Each is written under a temporary name and renamed, so that nothing ever
 * lists half a JPEG.
 */
export class SnapshotOutput implements StreamOutput {
  readonly kind = 'snapshots';
  readonly provesLiveness = false;
  readonly usesPipe = true;
  readonly decodes = 'keyframes';
  #taken = 0;
  /** When the newest JPEG arrived (epoch ms). */
  #lastAt: number | undefined;

  constructor(private readonly options: SnapshotOutputOptions) {}

  async prepare({ pipe }: RunPlan): Promise<PreparedOutput> {
    return {
      args: buildSnapshotArgs(this.options.intervalSeconds, pipe ?? 'pipe:1'),
      open: ({ pipe: readable }) => {
        // One at a time, in arrival order; a JPEG of the same second as the one before is not kept twice.
        let stored = Promise.resolve();
        let lastName: string | undefined;
        const splitter = new MpjpegSplitter((jpeg) => {
          const at = (this.options.clock ?? Date.now)();
          this.#lastAt = at;
          const name = recordedName(new Date(Math.floor(at / 1000) * 1000), 'jpg');
          if (name === lastName) return;
          lastName = name;
          stored = stored.then(() => this.#store(name, at, jpeg));
        });
        readable?.on('data', (chunk: Uint8Array) => splitter.push(chunk));
        return { end: () => stored };
      },
    };
  }

  status(): { snapshots_taken: number; last_snapshot: string | undefined } {
    return {
      snapshots_taken: this.#taken,
      last_snapshot: this.#lastAt === undefined ? undefined : new Date(this.#lastAt).toISOString(),
    };
  }

  close(): void {}

  async #store(name: string, at: number, jpeg: Buffer): Promise<void> {
    const file = path.join(this.options.dir, name);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(`${file}.part`, jpeg);
      await rename(`${file}.part`, file);
      this.#taken += 1;
      await this.options.onSnapshot({ name, start: at, duration: 0, bytes: jpeg.length });
    } catch (error) {
      this.options.log.error({ err: error, file: name }, 'cannot store a snapshot');
    }
  }
}
