import type { Logger } from 'pino';
import type { StreamEventBus } from '../events/stream-events.js';
import { writeCapture } from './capture.js';
import type { DetectionEvent } from './detection-event.js';
import type { DetectionBatch, Detector } from './detector.js';
import { DetectionFramesOutput } from './frames-output.js';
import { type LabelledResult, labelResult, round } from './labelling.js';
import { type Letterbox, letterbox } from './letterbox.js';
import { StreamSlot } from './stream-slot.js';
import type { Detection } from './types.js';

export interface DetectionSettings {
  fps: number;
  keyframesOnly: boolean;
  batchSize: number;
  batchTimeoutMs: number;
  /** Dataset capture: every Nth analysed frame of a stream, written under dir. */
  capture: { dir: string; everyN: number } | undefined;
}

/**
 * Feeds the newest frame of every camera to the one shared detector. A camera
 * whose previous frame has not reached the model yet loses that frame (counted
 * as dropped): a slow model costs detection rate, never HLS, never memory.
 * Results go out on the event bus.
 */
export class DetectionService {
  private readonly slots = new Map<string, StreamSlot>();
  private busy = false;
  private closed = false;

  constructor(
    readonly detector: Detector,
    private readonly settings: DetectionSettings,
    private readonly log: Logger,
    private readonly bus: StreamEventBus,
  ) {}

  /** The frames output for a new stream of this id: sampled frames of its FFmpeg, to this detector. */
  framesOutput(id: string): DetectionFramesOutput {
    const slot = new StreamSlot(id);
    this.slots.set(id, slot);
    const { width, height } = this.detector.input;
    return new DetectionFramesOutput({
      spec: { fps: this.settings.fps, width, height },
      keyframesOnly: this.settings.keyframesOnly,
      slot,
      onFrame: (dropped) => {
        if (dropped) this.bus.emit('detection.dropped', { id });
        this.pump();
      },
      onClose: () => {
        if (this.slots.get(id) === slot) this.slots.delete(id);
      },
    });
  }

  slot(id: string): StreamSlot | undefined {
    return this.slots.get(id);
  }

  /**
   * The answers for pictures already letterboxed to the model input, in their
   * order: all in one model run when the batch dimension is dynamic, else one
   * run each. inferenceMs is the model's time for all of them.
   */
  async detectImages(
    images: ReadonlyArray<{ frame: Uint8Array; letterbox: Letterbox }>,
  ): Promise<{ results: LabelledResult[]; inferenceMs: number }> {
    const runs = this.detector.input.dynamicBatch ? [images] : images.map((image) => [image]);
    const results: LabelledResult[] = [];
    let inferenceMs = 0;
    for (const run of runs) {
      const batch = await this.infer(
        run.map((image) => image.frame),
        'predict',
      );
      results.push(...run.map((image, i) => labelResult(batch.results[i]!, this.detector.labels, image.letterbox)));
      inferenceMs += batch.timing.inferMs;
    }
    return { results, inferenceMs };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.detector.close();
  }

  /** Runs the model on pending frames until none is left; one batch at a time. */
  private pump(): void {
    if (this.busy || this.closed) return;
    this.busy = true;
    void this.drain().finally(() => {
      this.busy = false;
    });
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const batchSize = this.detector.input.dynamicBatch ? this.settings.batchSize : 1;
      if (batchSize > 1 && this.pendingSlots().length < batchSize) {
        await new Promise((resolve) => setTimeout(resolve, this.settings.batchTimeoutMs));
      }
      const batch = this.pendingSlots()
        .slice(0, batchSize)
        .map((slot) => ({ slot, sample: slot.take()! }));
      if (batch.length === 0) return;
      try {
        const result = await this.infer(
          batch.map(({ sample }) => sample.frame),
          'stream',
        );
        const { timing } = result;
        const perFrameMs = timing.inferMs / batch.length;
        batch.forEach(({ slot, sample }, i) => {
          const labelStarted = performance.now();
          const frame = result.frames[i]!;
          const box = this.letterboxFor(slot);
          const { detections, classifications } = labelResult(result.results[i]!, this.detector.labels, box);
          const labelMs = performance.now() - labelStarted;
          slot.record({ ...sample, frame }, detections, box, {
            read: sample.readMs,
            pre: timing.preMs / batch.length,
            model: perFrameMs,
            post: timing.postMs / batch.length + labelMs,
          });
          this.capture(slot, frame, box, detections);
          this.bus.emit('detection', {
            indicator_id: slot.id,
            ts: new Date().toISOString(),
            frame_ts: new Date(sample.arrivedAt).toISOString(),
            detections,
            ...(this.detector.kind === 'classifier' ? { classifications } : {}),
            inference_ms: round(perFrameMs, 2),
          } satisfies DetectionEvent);
        });
      } catch (error) {
        this.log.error({ err: error }, 'detection failed');
        return;
      }
    }
  }

  /** Every model run, the cameras' and predict calls', goes through here, and is counted once. */
  private async infer(frames: Uint8Array[], source: 'stream' | 'predict'): Promise<DetectionBatch> {
    const batch = await this.detector.detect(frames);
    this.bus.emit('detection.run', { source, frames: frames.length });
    return batch;
  }

  private capture(slot: StreamSlot, frame: Uint8Array, box: Letterbox, detections: Detection[]): void {
    const { capture } = this.settings;
    if (!capture || slot.inferred % capture.everyN !== 0) return;
    writeCapture(capture.dir, { streamId: slot.id, frame, letterbox: box, detections, capturedAt: Date.now() }).catch((error: unknown) =>
      this.log.warn({ err: error, stream: slot.id }, 'capture failed'),
    );
  }

  /** Slots with a frame waiting, the longest-waiting first, so no camera starves. */
  private pendingSlots(): StreamSlot[] {
    return [...this.slots.values()].filter((slot) => slot.pendingSince !== undefined).sort((a, b) => a.pendingSince! - b.pendingSince!);
  }

  private letterboxFor(slot: StreamSlot): Letterbox {
    const { width, height } = this.detector.input;
    const size = slot.readSourceSize();
    // Until the source size is known, assume it filled the frame.
    return size?.width && size.height ? letterbox(size.width, size.height, width, height) : letterbox(width, height, width, height);
  }
}
