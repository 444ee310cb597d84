import type { DetectionEvent } from '../detection/detection-event.js';
import type { FailureCause } from '../ffmpeg/failure.js';
import type { ExitReason } from '../process/supervisor.js';
import type { SupervisorState } from '../process/supervisor-state.js';
import type { EventMessage, ObjectEvent } from '../tracking/object-event.js';
import type { EventBus } from './bus.js';

export type StartResult = 'started' | 'joined' | 'failed' | 'stopped';

/**
 * What streams do, for whoever wants to know (metrics, event streams, and
 * later recording, MQTT and peer nodes). Payloads are plain data.
 */
export interface StreamEvents {
  /** A start request finished; `seconds` only for starts that spawned FFmpeg and waited for it. */
  'start.finished': { id: string; result: StartResult; seconds?: number; cause?: FailureCause };
  'stream.state': { id: string; from: SupervisorState; to: SupervisorState };
  /** The stream is gone: FFmpeg has exited and its folder is removed. */
  'stream.removed': { id: string };
  /** A viewer fetched the playlist. */
  'playlist.requested': { id: string };
  'ffmpeg.exited': { id: string; reason: ExitReason; ranMs: number; cause?: FailureCause };
  'ffmpeg.restarting': { id: string; delayMs: number; restarts: number };
  /** An output finished a media file (an HLS segment, later a part or a recording). */
  'segment.written': { id: string; output: string; file: string; bytes: number };
  /** An archived camera's finished MP4 segment or snapshot JPEG (duration 0) is in the catalogue. */
  'recording.kept': { id: string; name: string; bytes: number; duration: number };
  /** One analysed frame's detections. */
  detection: DetectionEvent;
  /** A tracked object became an event, changed, or ended. */
  'object.event': EventMessage;
  /** An event has a new best picture (a full-size JPEG). */
  'object.picture': { event: ObjectEvent; jpeg: Buffer };
  /** One completed model run over `frames` pictures: a batch of camera frames, or (part of) a predict call. */
  'detection.run': { source: 'stream' | 'predict'; frames: number };
  /** A frame replaced by a newer one before the model got to it. */
  'detection.dropped': { id: string };
}

export type StreamEventBus = EventBus<StreamEvents>;
