import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { DetectionConfig } from '../config/config.js';
import { AppError } from '../errors/app-error.js';
import type { StreamEventBus } from '../events/stream-events.js';
import { DetectionService } from './detection-service.js';
import { startDetector } from './detector.js';
import type { ModelKind } from './model-kind.js';

export class DetectionUnavailable extends AppError {
  constructor(reason: string) {
    super('detection_unavailable', `object detection is unavailable: ${reason}`);
  }
}

/** The detection part of GET /api/health, in the seed inference service's terms (model, device). */
export interface DetectionHealth {
  /** The model file's name (not its path: health is often public). */
  model: string;
  /** null until the model is loaded. */
  kind: ModelKind | null;
  loaded: boolean;
  /** onnxruntime-node runs on the CPU execution provider only. */
  device: 'cpu';
}

/**
 * Loads the model once, the first time something needs it (or at start-up when
 * DETECT_ENABLED is set), so a daemon that never detects never pays for it.
 */
export class DetectionProvider {
  private loading: Promise<DetectionService> | undefined;
  private service: DetectionService | undefined;

  constructor(
    private readonly config: DetectionConfig,
    private readonly log: Logger,
    private readonly bus: StreamEventBus,
  ) {}

  get(): Promise<DetectionService> {
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined; // the model file may appear later (npm run models)
      throw error;
    });
    return this.loading;
  }

  /** The service if it is already loaded; never starts loading. */
  current(): DetectionService | undefined {
    return this.service;
  }

  /** What health reports; never starts loading. */
  health(): DetectionHealth {
    const service = this.service;
    return {
      model: path.basename(this.config.modelPath),
      kind: service?.detector.kind ?? null,
      loaded: service !== undefined,
      device: 'cpu',
    };
  }

  async close(): Promise<void> {
    const service = await this.loading?.catch(() => undefined);
    await service?.close();
  }

  private async load(): Promise<DetectionService> {
    const { config } = this;
    await access(config.modelPath).catch(() => {
      throw new DetectionUnavailable(`model file ${config.modelPath} not found (run npm run models, or set DETECT_MODEL)`);
    });
    const detector = await startDetector({
      modelPath: config.modelPath,
      kind: config.modelType,
      threads: config.threads,
      thresholds: { confidence: config.confidenceThreshold, iou: config.iouThreshold },
      classifier: config.classifier,
      labelsFile: config.labelsFile,
      log: this.log.child({ component: 'detector' }),
    }).catch((error: Error) => {
      throw new DetectionUnavailable(error.message);
    });
    this.log.info(
      { model: config.modelPath, kind: detector.kind, input: detector.input, labels: detector.labels.length },
      'detection model loaded',
    );
    this.service = new DetectionService(
      detector,
      {
        fps: config.fps,
        keyframesOnly: config.keyframesOnly,
        batchSize: config.batchSize,
        batchTimeoutMs: config.batchTimeoutMs,
        capture: config.capture,
      },
      this.log.child({ component: 'detection' }),
      this.bus,
    );
    return this.service;
  }
}
