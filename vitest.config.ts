import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Most integration tests wait on real servers and engines rather than compute: two files at a time even on
    // two cores (vitest's default would run them one by one there).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'server',
          globalSetup: ['test/global-setup.ts'],
          include: ['{lib,db,api,activities,workflows,plugins,scripts,temporal-dev}/**/*.test.ts', 'test/**/*.test.ts'],
          // Temporal's native bridge needs process forks, not threads (temporal.md §6).
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      'web/vitest.config.ts',
      // Browser journeys against the real all-in-one (Debian's Chromium through playwright-core).
      'web/e2e/vitest.config.ts',
    ],
  },
});
