import type { FailureCause } from '../ffmpeg/failure.js';

/**
 * Every error code the API can answer with. Each error class lives beside the
 * component that throws it; the HTTP edge maps codes to status codes in one
 * table, which the compiler keeps complete.
 */
export type ErrorCode =
  | FailureCause
  | 'invalid_request'
  | 'unauthorized'
  | 'source_not_allowed'
  | 'api_sources_disabled'
  | 'playback_forbidden'
  | 'playback_unsigned'
  | 'camera_not_found'
  | 'stream_not_found'
  | 'source_conflict'
  | 'stream_stopped'
  | 'shutting_down'
  | 'capacity_exceeded'
  | 'owned_elsewhere'
  | 'detection_unavailable'
  | 'detection_off'
  | 'no_frame_yet'
  | 'no_recording'
  | 'event_not_found'
  | 'invalid_image'
  | 'payload_too_large'
  | 'unsupported_media_type';

/** A failure the caller can act on: a code, a message written for people, and optional details. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
