import type { Logger } from 'pino';
import type { StreamEventBus } from '../events/stream-events.js';
import { writeCapture } from './capture.js';
import type { DetectionEvent } from './detection-event.js';
import type { Detector } from './detector.js';
import { DetectionFramesOutput } from './frames-output.js';
import { type Letterbox, letterbox, undoLetterbox } from './letterbox.js';
import { StreamSlot } from './stream-slot.js';
import type { Detection, RawDetection } from './types.js';

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

  /** Detections on one image already letterboxed to the model input. */
  async detectImage(frame: Uint8Array, box: Letterbox): Promise<{ detections: Detection[]; inferenceMs: number }> {
    const { detections, timing } = await this.detector.detect([frame]);
    return { detections: this.label(detections[0] ?? [], box), inferenceMs: timing.inferMs };
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
        const result = await this.detector.detect(batch.map(({ sample }) => sample.frame));
        const { timing } = result;
        const perFrameMs = timing.inferMs / batch.length;
        batch.forEach(({ slot, sample }, i) => {
          const labelStarted = performance.now();
          const frame = result.frames[i]!;
          const box = this.letterboxFor(slot);
          const detections = this.label(result.detections[i] ?? [], box);
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
            inference_ms: round(perFrameMs, 2),
          } satisfies DetectionEvent);
        });
      } catch (error) {
        this.log.error({ err: error }, 'detection failed');
        return;
      }
    }
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

  private label(raw: RawDetection[], box: Letterbox): Detection[] {
    return raw.map((d) => ({
      label: this.detector.labels[d.classId] ?? String(d.classId),
      score: round(d.score, 3),
      box: roundBox(undoLetterbox(d.box, box)),
    }));
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function roundBox(box: { x: number; y: number; w: number; h: number }) {
  return { x: round(box.x, 4), y: round(box.y, 4), w: round(box.w, 4), h: round(box.h, 4) };
}
