import type { Letterbox } from './letterbox.js';
import type { Detection, VideoSize } from './types.js';

export interface Sample {
  frame: Uint8Array;
  arrivedAt: number;
  /** Time spent cutting this frame out of FFmpeg's pipe. */
  readMs: number;
}

/** Where the time of one analysed frame went, in milliseconds. */
export interface StageTimes {
  read: number;
  pre: number;
  model: number;
  post: number;
}

/** How many recent inferences the frame rate is measured over. */
const FPS_WINDOW = 10;

/** One camera's place in the detection queue: at most one waiting frame, plus its counters. */
export class StreamSlot {
  framesIn = 0;
  inferred = 0;
  dropped = 0;
  private pending: Sample | undefined;
  private readonly stageTotals: StageTimes = { read: 0, pre: 0, model: 0, post: 0 };
  private readonly recent: number[] = [];
  latest: { sample: Sample; detections: Detection[]; letterbox: Letterbox; at: number } | undefined;

  /** The camera's picture size, which tells how to undo the letterbox; set by each FFmpeg run. */
  readSourceSize: () => VideoSize | undefined = () => undefined;

  constructor(readonly id: string) {}

  /** A new frame replaces one still waiting; the one replaced is dropped. Returns whether one was. */
  offer(sample: Sample): boolean {
    this.framesIn += 1;
    const dropped = this.pending !== undefined;
    if (dropped) this.dropped += 1;
    this.pending = sample;
    return dropped;
  }

  get pendingSince(): number | undefined {
    return this.pending?.arrivedAt;
  }

  take(): Sample | undefined {
    const sample = this.pending;
    this.pending = undefined;
    return sample;
  }

  record(sample: Sample, detections: Detection[], letterbox: Letterbox, times: StageTimes): void {
    const now = Date.now();
    this.inferred += 1;
    for (const stage of ['read', 'pre', 'model', 'post'] as const) this.stageTotals[stage] += times[stage];
    this.recent.push(now);
    if (this.recent.length > FPS_WINDOW) this.recent.shift();
    this.latest = { sample, detections, letterbox, at: now };
  }

  /** The status fields (snake_case, as the API shows them). */
  stats() {
    const mean = (total: number) => Math.round((total / this.inferred) * 1000) / 1000;
    const span = this.recent.length > 1 ? (this.recent.at(-1)! - this.recent[0]!) / 1000 : 0;
    return {
      frames_in: this.framesIn,
      inferred: this.inferred,
      dropped: this.dropped,
      fps: span > 0 ? Math.round(((this.recent.length - 1) / span) * 100) / 100 : 0,
      mean_inference_ms: this.inferred ? mean(this.stageTotals.model) : null,
      // Mean per analysed frame: reading it from the pipe, tensor preparation, the model, decoding and NMS.
      stage_ms: this.inferred
        ? {
            read: mean(this.stageTotals.read),
            pre: mean(this.stageTotals.pre),
            model: mean(this.stageTotals.model),
            post: mean(this.stageTotals.post),
          }
        : null,
      latest: this.latest ? { at: new Date(this.latest.at).toISOString(), detections: this.latest.detections } : null,
    };
  }
}
