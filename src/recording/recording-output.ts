import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { PreparedOutput, RunPlan, StreamOutput } from '../streams/output.js';
import { dayFolder, startOfRecorded } from './layout.js';
import { buildRecordingArgs } from './recording-args.js';
import { endOf, type RecordedSegment } from './segment.js';
import { SegmentTally } from './segment-tally.js';

export interface RecordingOutputOptions {
  /** RECORD_DIR/<id> */
  dir: string;
  segmentSeconds: number;
  transcodePreset: string;
  log: Logger;
  /** Each segment FFmpeg finished; awaited, so that a stopping stream hands on its last one. */
  onSegment(segment: RecordedSegment): Promise<void>;
  /** A run ended: whatever it left unfinished (a kill -9) is on disk, unlisted. */
  onRunEnded(): void;
}

const DAY_MS = 86_400_000;
/** FFmpeg's segment muxer does not create folders: the next day's is made well before midnight. */
const FOLDER_CHECK_MS = 3_600_000;
/** A chained start that strays further than this from the file's name is re-anchored on the name. */
const MAX_DRIFT_MS = 2000;

/**
 * The recording output of a camera's FFmpeg: fragmented MP4 segments in
 * RECORD_DIR/<id>/YYYY-MM-DD/, cut on keyframes. FFmpeg lists each finished
 * segment (name, start, end) on this output's pipe; that is how the daemon
 * learns of them, with their exact durations.
 */
export class RecordingOutput implements StreamOutput {
  readonly kind = 'recording';
  readonly provesLiveness = false;
  readonly usesPipe = true;
  readonly decodes = undefined;
  readonly #tally = new SegmentTally();

  constructor(private readonly options: RecordingOutputOptions) {}

  async prepare({ plan, pipe }: RunPlan): Promise<PreparedOutput> {
    const { dir, segmentSeconds, transcodePreset } = this.options;
    await this.#makeDayFolders();
    return {
      args: buildRecordingArgs({ plan, transcodePreset, segmentSeconds, dir, pipe: pipe ?? 'pipe:1' }),
      open: ({ pipe: readable }) => {
        const timer = setInterval(() => void this.#makeDayFolders(), FOLDER_CHECK_MS);
        timer.unref();
        // Within a run, segments follow each other without a gap: each starts where the last ended.
        let chained: number | undefined;
        const lines = readable ? createInterface({ input: readable }) : undefined;
        // One at a time, in FFmpeg's order: each start is chained on the one before.
        let handled = Promise.resolve();
        lines?.on('line', (line) => {
          const finishedAt = Date.now();
          handled = handled.then(async () => {
            const segment = await this.#finished(line, finishedAt, chained);
            if (segment) chained = endOf(segment);
          });
        });
        return {
          end: async () => {
            clearInterval(timer);
            lines?.close();
            await handled;
            this.options.onRunEnded();
          },
        };
      },
    };
  }

  status() {
    return this.#tally.status();
  }

  close(): void {}

  async #finished(line: string, finishedAt: number, chained: number | undefined): Promise<RecordedSegment | undefined> {
    const [file, start, end] = line.split(',');
    const duration = Number(end) - Number(start);
    if (!file || !Number.isFinite(duration) || duration <= 0) return undefined;
    const located = await this.#locate(file, finishedAt - duration * 1000);
    if (!located) {
      this.options.log.warn({ file }, 'FFmpeg finished a recording segment that is not on disk');
      return undefined;
    }
    const named = startOfRecorded(located.name)!.getTime();
    const estimate = chained ?? finishedAt - duration * 1000;
    const segmentStart = Math.abs(estimate - named) <= MAX_DRIFT_MS ? Math.max(estimate, named) : named;
    const segment: RecordedSegment = { name: located.name, start: segmentStart, duration, bytes: located.bytes };
    this.#tally.count(segment);
    await this.options.onSegment(segment);
    return segment;
  }

  /** FFmpeg names only the file: its day is the one the segment began on (or a neighbour, around midnight). */
  async #locate(file: string, began: number): Promise<{ name: string; bytes: number } | undefined> {
    for (const offset of [0, -DAY_MS, DAY_MS]) {
      const name = `${dayFolder(new Date(began + offset))}/${file}`;
      const stats = await stat(path.join(this.options.dir, name)).catch(() => undefined);
      if (stats?.isFile()) return { name, bytes: stats.size };
    }
    return undefined;
  }

  async #makeDayFolders(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [now, now + DAY_MS].map((at) =>
        mkdir(path.join(this.options.dir, dayFolder(new Date(at))), { recursive: true }).catch((error: unknown) =>
          this.options.log.error({ err: error }, 'cannot create the recording folder'),
        ),
      ),
    );
  }
}
