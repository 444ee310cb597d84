import type { PreparedOutput, RunPlan, StreamOutput } from '../streams/output.js';
import type { Stream } from '../streams/stream.js';
import { buildFrameJpegsArgs } from './frame-jpegs-args.js';
import { MpjpegSplitter } from './mpjpeg-splitter.js';

export interface FrameJpeg {
  jpeg: Buffer;
  /** When it arrived (epoch ms). */
  at: number;
}

/** A stream's full-size frames, when it has them (it detects). */
export function frameJpegsOf(stream: Pick<Stream, 'output'> | undefined): FrameJpegsOutput | undefined {
  const output = stream?.output('frame-jpegs');
  return output instanceof FrameJpegsOutput ? output : undefined;
}

/** Frames kept: a few seconds at the detection rate, enough for an event confirmed a few frames late. */
const KEPT = 12;

/**
 * Full-size JPEGs of the frames the detector samples, kept in memory (the
 * last few seconds): an event's best picture is taken from here, at the
 * camera's resolution, from the camera's one process.
 */
export class FrameJpegsOutput implements StreamOutput {
  readonly kind = 'frame-jpegs';
  readonly provesLiveness = false;
  readonly usesPipe = true;
  readonly decodes: 'keyframes' | 'all';
  #frames: FrameJpeg[] = [];

  constructor(
    private readonly fps: number,
    keyframesOnly: boolean,
    private readonly clock: () => number = Date.now,
  ) {
    this.decodes = keyframesOnly ? 'keyframes' : 'all';
  }

  /**
   * The kept frame that arrived nearest `at`, if one did within `toleranceMs`. The detector's
   * copy of a frame and this one leave FFmpeg together, but a loaded machine reads the two pipes
   * at different moments: nearest, within a second, is the same frame unless frames come faster
   * than that difference.
   */
  nearest(at: number, toleranceMs = 1000): FrameJpeg | undefined {
    let best: FrameJpeg | undefined;
    for (const frame of this.#frames) if (!best || Math.abs(frame.at - at) < Math.abs(best.at - at)) best = frame;
    return best && Math.abs(best.at - at) <= toleranceMs ? best : undefined;
  }

  latest(): FrameJpeg | undefined {
    return this.#frames.at(-1);
  }

  async prepare({ pipe }: RunPlan): Promise<PreparedOutput> {
    return {
      args: buildFrameJpegsArgs(this.fps, pipe ?? 'pipe:1'),
      open: ({ pipe: readable }) => {
        const splitter = new MpjpegSplitter((jpeg) => {
          this.#frames.push({ jpeg, at: this.clock() });
          if (this.#frames.length > KEPT) this.#frames.shift();
        });
        readable?.on('data', (chunk: Uint8Array) => splitter.push(chunk));
        return { end: () => {} };
      },
    };
  }

  status(): undefined {
    return undefined;
  }

  close(): void {
    this.#frames = [];
  }
}
