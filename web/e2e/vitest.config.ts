import { defineProject } from 'vitest/config';

// End-to-end tests: Debian's Chromium, driven by playwright-core, against the real all-in-one in fast-test mode
// (web.md §5.10). As a project of the root config, paths here are relative to web/e2e/.
export default defineProject({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['specs/**/*.e2e.ts'],
    globalSetup: ['harness/global-setup.ts'],
    // One browser, one stack: the specs run one after the other.
    fileParallelism: false,
    maxWorkers: 1,
    pool: 'forks',
    testTimeout: 240_000,
    hookTimeout: 300_000,
  },
});
