import type { PreparedOutput, RunPlan, StreamOutput } from '../streams/output.js';
import { FrameCutter } from './frame-cutter.js';
import { buildFramesArgs, type FramesSpec } from './frames-args.js';
import type { StreamSlot } from './stream-slot.js';

export interface DetectionFramesOptions {
  spec: FramesSpec;
  /** Decode keyframes only (honoured while the video is remuxed). */
  keyframesOnly: boolean;
  slot: StreamSlot;
  /** A frame arrived in the slot (replacing the waiting one, if any). */
  onFrame(dropped: boolean): void;
  /** The stream is going away. */
  onClose(): void;
}

/**
 * The detector's output of a camera's FFmpeg: sampled, letterboxed RGB frames
 * on a pipe of their own. The pipe is always drained; each frame replaces the
 * one waiting in the camera's slot, so a slow model never holds FFmpeg back.
 */
export class DetectionFramesOutput implements StreamOutput {
  readonly kind = 'detection';
  readonly provesLiveness = false;
  readonly usesPipe = true;
  readonly decodes: 'keyframes' | 'all';

  constructor(private readonly options: DetectionFramesOptions) {
    this.decodes = options.keyframesOnly ? 'keyframes' : 'all';
  }

  async prepare({ pipe }: RunPlan): Promise<PreparedOutput> {
    const { spec, slot, onFrame } = this.options;
    return {
      args: buildFramesArgs(spec, pipe ?? 'pipe:1'),
      open: ({ pipe: readable, source }) => {
        slot.readSourceSize = () => source()?.video;
        // A new process starts on a frame boundary: each run gets a cutter of its own.
        const cutter = new FrameCutter(spec.width * spec.height * 3, (frame, arrivedAt, readMs) => {
          onFrame(slot.offer({ frame, arrivedAt, readMs }));
        });
        readable?.on('data', (chunk: Uint8Array) => cutter.push(chunk));
        return { end: () => {} };
      },
    };
  }

  status(): ReturnType<StreamSlot['stats']> {
    return this.options.slot.stats();
  }

  close(): void {
    this.options.onClose();
  }
}
