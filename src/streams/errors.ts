import { AppError } from '../errors/app-error.js';

export class StreamNotFound extends AppError {
  constructor(readonly id: string) {
    super('stream_not_found', `no stream with indicator_id ${id}`);
  }
}

export class SourceConflict extends AppError {
  constructor(
    readonly id: string,
    reason: string,
  ) {
    super('source_conflict', `stream ${id} ${reason}`);
  }
}

export class CapacityExceeded extends AppError {
  constructor(readonly max: number) {
    super('capacity_exceeded', `the daemon already runs MAX_STREAMS=${max} streams; stop one or raise MAX_STREAMS`);
  }
}

export class SourceRequired extends AppError {
  constructor(readonly id: string) {
    super('invalid_request', `rtsp_link is required to start stream ${id}`);
  }
}

/** An rtsp_link of a kind (or shape) the API does not take; the reason never quotes the link. */
export class InvalidSourceLink extends AppError {
  constructor(problem: string) {
    super('invalid_request', `rtsp_link ${problem}`);
  }
}

export class CameraNotFound extends AppError {
  constructor(readonly id: string) {
    super('camera_not_found', `no camera ${id} in CAMERAS_FILE (ALLOW_API_SOURCES=false: only those can be started)`);
  }
}

export class ApiSourcesDisabled extends AppError {
  constructor() {
    super(
      'api_sources_disabled',
      'rtsp_link is not accepted here (ALLOW_API_SOURCES=false): start a camera from CAMERAS_FILE by its indicator_id',
    );
  }
}

export class ShuttingDown extends AppError {
  constructor() {
    super('shutting_down', 'the daemon is shutting down');
  }
}

/** The stream was stopped (a stop call, a sweep, a registry edit) while a caller waited for it to become playable. */
export class StreamStopped extends AppError {
  constructor(readonly id: string) {
    super('stream_stopped', `stream ${id} was stopped before it became playable`);
  }
}

/** Another node of the fleet holds the camera's lease: it runs the camera, and this node must not. */
export class OwnedElsewhere extends AppError {
  constructor(
    readonly id: string,
    readonly owner: string,
  ) {
    super('owned_elsewhere', `stream ${id} runs on node ${owner}`);
  }
}
