export type StreamState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

/**
 * The only moves a stream may make. `failed` means the first start never
 * produced a playable playlist; once a stream has played, losing the camera
 * makes it `restarting`, never `failed`, because cameras come back.
 */
const TRANSITIONS: Record<StreamState, readonly StreamState[]> = {
  starting: ['running', 'failed', 'stopped'],
  running: ['restarting', 'stopped'],
  restarting: ['running', 'stopped'],
  failed: ['stopped'],
  stopped: [],
};

export function canTransition(from: StreamState, to: StreamState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Streams in these states hold (or are about to hold) an FFmpeg process and count against MAX_STREAMS. */
export function isActive(state: StreamState): boolean {
  return state === 'starting' || state === 'running' || state === 'restarting';
}
