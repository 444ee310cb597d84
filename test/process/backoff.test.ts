import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/process/backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 3000 });
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([500, 1000, 2000, 3000, 3000]);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });
});
