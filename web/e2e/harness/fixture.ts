import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, newSession, type Session } from './browser';

/**
 * One browser per spec file, a fresh context per test (web.md §5.10): `use()` returns the session of the running
 * test. A failed test keeps its Playwright trace under test-results/traces/.
 */
export function useBrowser(): () => Session {
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let session: Session | undefined;

  beforeAll(async () => {
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
  });
  beforeEach(async () => {
    session = await newSession(browser, inject('baseUrl'));
  });
  afterEach(async (context) => {
    await session?.close(context.task.result?.state === 'fail' ? context.task.name : undefined);
    session = undefined;
  });

  return () => {
    if (!session) throw new Error('No browser session: use() is for inside a test');
    return session;
  };
}
