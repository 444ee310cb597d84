/** Where a supervised process is in its life. */
export type SupervisorState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

const TRANSITIONS: Record<SupervisorState, SupervisorState[]> = {
  starting: ['running', 'failed', 'stopped'],
  running: ['restarting', 'stopped'],
  restarting: ['running', 'stopped'],
  failed: ['stopped'],
  stopped: [],
};

export function canTransition(from: SupervisorState, to: SupervisorState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** States that hold (or are about to hold) a process; streams in them count against MAX_STREAMS. */
export function isActive(state: SupervisorState): boolean {
  return state === 'starting' || state === 'running' || state === 'restarting';
}
