import type { ClassifierSettings, Thresholds } from './decode.js';
import type { ModelInput, ModelKind } from './model-kind.js';
import type { RawResult } from './types.js';

export interface WorkerInit {
  modelPath: string;
  /** undefined: detect from the output shapes. */
  kind: ModelKind | undefined;
  threads: number;
  thresholds: Thresholds;
  classifier: ClassifierSettings;
}

/** Frames travel as transferred ArrayBuffers (no copy) and come back with the result. */
export type WorkerRequest =
  | { type: 'detect'; id: number; frames: ArrayBuffer[] }
  /** Finish the run in progress, release the session, end the thread. */
  | { type: 'close' };

export interface StageTiming {
  preMs: number;
  inferMs: number;
  postMs: number;
}

export type WorkerResponse =
  | { type: 'ready'; input: ModelInput; kind: ModelKind }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; frames: ArrayBuffer[]; results: RawResult[]; timing: StageTiming }
  | { type: 'failed'; id: number; frames: ArrayBuffer[]; message: string };
