import { describe, expect, it } from 'vitest';
import { Backoff, RestartBackoff } from '../../src/process/backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 3000 });
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([500, 1000, 2000, 3000, 3000]);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });

  it('restarts at once after a healthy run, but a camera that keeps dropping backs off until it stays up for the cap', () => {
    const backoff = new RestartBackoff({ initialMs: 500, maxMs: 10_000, healthyMs: 3000 });
    const healthyFor = (ranMs: number) => backoff.next({ progressed: true, ranMs });
    const failed = () => backoff.next({ progressed: false, ranMs: 100 });
    expect([healthyFor(5000), healthyFor(5000), healthyFor(5000), failed(), healthyFor(5000)]).toEqual([0, 500, 1000, 2000, 4000]);
    expect(healthyFor(60_000)).toBe(0); // up for longer than the cap: the next drop is a fresh start
    expect(failed()).toBe(500);
  });
});
