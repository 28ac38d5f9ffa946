import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Every e2e spec shares one all-in-one, and the journey's first test shows the pages before anything exists: the
 * journey runs before the other e2e specs, whatever order vitest's cache would choose.
 */
class JourneyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isJourney = (file: TestSpecification) => file.project.name === 'e2e' && /[/\\]specs[/\\]journey[/\\]/.test(file.moduleId);
    return [...sorted.filter(isJourney), ...sorted.filter((file) => !isJourney(file))];
  }
}

/** Tests beside the code, in every server-side folder. */
const BESIDE_THE_CODE = '{lib,db,api,activities,workflows,plugins,scripts,temporal-dev}/**';

/**
 * `npm run test:engines` (scripts/engines/test-engines.mjs): the real engines on the CPU with tiny models. The
 * project exists only once that script has prepared them (it sets ISENGARD_TINY_MODELS), so `npm test` never runs it.
 */
const ENGINES = {
  test: {
    name: 'engines',
    globalSetup: ['test/global-setup.ts'],
    include: ['test/engines/**/*.test.ts'],
    pool: 'forks' as const,
    // Each file runs real engines on every core: one file at a time.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
};

export default defineConfig({
  test: {
    // Most integration tests wait on real servers and engines rather than compute: two files at a time even on
    // two cores (vitest's default would run them one by one there).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', './test/summary-reporter.ts'],
    // Only the e2e project cares about order (its specs share one all-in-one): see JourneyFirstSequencer.
    sequence: { sequencer: JourneyFirstSequencer },
    projects: [
      {
        // `npm run test:unit`: no Temporal server, no engine process; the database tests run on PGlite and on a
        // PostgreSQL server (TEST_DATABASE_URL's, else one test/postgres-setup.ts starts).
        test: {
          name: 'unit',
          globalSetup: ['test/postgres-setup.ts', 'test/unit-setup.ts'],
          include: [`${BESIDE_THE_CODE}/*.test.ts`],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
          pool: 'forks',
          testTimeout: 60_000,
          // PGlite's start (WASM) takes seconds when the box is busy.
          hookTimeout: 60_000,
        },
      },
      {
        // Against the real Temporal dev server, engine simulators as processes, whole stacks and the all-in-one.
        test: {
          name: 'server',
          globalSetup: ['test/postgres-setup.ts', 'test/global-setup.ts'],
          include: [`${BESIDE_THE_CODE}/*.integration.test.ts`, 'test/**/*.test.ts'],
          exclude: ['test/engines/**', '**/node_modules/**'],
          // Temporal's native bridge needs process forks, not threads (temporal.md §6).
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      'web/vitest.config.ts',
      // Browser journeys against the real all-in-one (Debian's Chromium through playwright-core).
      'web/e2e/vitest.config.ts',
      ...(process.env.ISENGARD_TINY_MODELS ? [ENGINES] : []),
    ],
  },
});
