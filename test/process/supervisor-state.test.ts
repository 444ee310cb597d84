import { describe, expect, it } from 'vitest';
import { canTransition, isActive, type SupervisorState } from '../../src/process/supervisor-state.js';

const ALL: SupervisorState[] = ['starting', 'running', 'restarting', 'failed', 'stopped'];
const ALLOWED = new Set([
  'starting>running',
  'starting>failed',
  'starting>stopped',
  'running>restarting',
  'running>stopped',
  'restarting>running',
  'restarting>stopped',
  'failed>stopped',
]);

describe('supervisor state machine', () => {
  it.each(ALL.flatMap((from) => ALL.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED.has(`${from}>${to}`));
  });

  it('counts only states that hold a process against MAX_STREAMS', () => {
    expect(ALL.filter(isActive)).toEqual(['starting', 'running', 'restarting']);
  });
});
