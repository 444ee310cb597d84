import { defineConfig } from 'vitest/config';

/** Files that measure time on screen (glass-to-glass latency): they run last, alone, on an otherwise idle machine. */
const ALONE = ['test/e2e/low-latency.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        // Integration files each run real cameras and FFmpeg; two cores serve two files at a time.
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
