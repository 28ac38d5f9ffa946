import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/** Tests beside the code, in every server-side folder. */
const BESIDE_THE_CODE = '{lib,db,api,activities,workflows,plugins,scripts,temporal-dev}/**';

export default defineConfig({
  test: {
    // Most integration tests wait on real servers and engines rather than compute: two files at a time even on
    // two cores (vitest's default would run them one by one there).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        // `npm run test:unit`: no server, no engine process; the database tests use PGlite (and a PostgreSQL
        // server only when TEST_DATABASE_URL names one).
        test: {
          name: 'unit',
          globalSetup: ['test/unit-setup.ts'],
          include: [`${BESIDE_THE_CODE}/*.test.ts`],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
          pool: 'forks',
          testTimeout: 60_000,
        },
      },
      {
        // Against the real Temporal dev server, engine simulators as processes, whole stacks and the all-in-one.
        test: {
          name: 'server',
          globalSetup: ['test/global-setup.ts'],
          include: [`${BESIDE_THE_CODE}/*.integration.test.ts`, 'test/**/*.test.ts'],
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
