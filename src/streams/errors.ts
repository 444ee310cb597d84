/** Domain errors; the HTTP layer maps each to a status code in one place. */
export class StreamNotFound extends Error {
  constructor(readonly id: string) {
    super(`no stream with indicator_id ${id}`);
    this.name = 'StreamNotFound';
  }
}

export class SourceConflict extends Error {
  constructor(
    readonly id: string,
    reason: string,
  ) {
    super(`stream ${id} ${reason}`);
    this.name = 'SourceConflict';
  }
}

export class CapacityExceeded extends Error {
  constructor(readonly max: number) {
    super(`the daemon already runs MAX_STREAMS=${max} streams; stop one or raise MAX_STREAMS`);
    this.name = 'CapacityExceeded';
  }
}

export class SourceRequired extends Error {
  constructor(readonly id: string) {
    super(`rtsp_link is required to start stream ${id}`);
    this.name = 'SourceRequired';
  }
}

export class PlaybackUnsigned extends Error {
  constructor() {
    super('playback is not signed here (PLAYBACK_SECRET is unset): stream paths need no token');
    this.name = 'PlaybackUnsigned';
  }
}

export class CameraNotFound extends Error {
  constructor(readonly id: string) {
    super(`no camera ${id} in CAMERAS_FILE (ALLOW_API_SOURCES=false: only those can be started)`);
    this.name = 'CameraNotFound';
  }
}

export class ApiSourcesDisabled extends Error {
  constructor() {
    super('rtsp_link is not accepted here (ALLOW_API_SOURCES=false): start a camera from CAMERAS_FILE by its indicator_id');
    this.name = 'ApiSourcesDisabled';
  }
}

export class ShuttingDown extends Error {
  constructor() {
    super('the daemon is shutting down');
    this.name = 'ShuttingDown';
  }
}
