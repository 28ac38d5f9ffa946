import { mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { findChromium } from '../../../scripts/setup/chromium.mjs';
import { SCREENSHOTS_DIR, TRACES_DIR } from './paths';

export const DESKTOP = { width: 1280, height: 800 } as const;
export const MOBILE = { width: 390, height: 844 } as const;

/** Debian's Chromium (never a downloaded one), headless, quiet on the network (web.md §5.10). */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  // Playwright gives every launch a fresh temporary profile of its own (and removes it on close).
  const browser = await chromium.launch({
    executablePath: findChromium() ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

export interface Session {
  context: BrowserContext;
  page: Page;
  baseUrl: string;
  /** Console errors, page errors and failed requests seen so far (allowed ones excepted). */
  problems: string[];
  /** Lets the next answers matching `matcher` fail (e.g. a 409 the test provokes on purpose). */
  allow: (matcher: (response: Response) => boolean) => void;
  /** Ends the session; keeps a trace when the test failed. */
  close: (failedTestName?: string) => Promise<void>;
}

/** A fresh context (no cookies or storage from other tests) with a fixed viewport, motion, time zone and locale. */
export async function newSession(browser: Browser, baseUrl: string, viewport: { width: number; height: number } = DESKTOP): Promise<Session> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport,
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
    colorScheme: 'dark',
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  await context.tracing.start({ screenshots: true, snapshots: true });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  const allowed: ((r: Response) => boolean)[] = [];

  page.on('console', (message) => {
    // Chromium's own line for an answer >= 400: the response listener below reports it (or allows it).
    if (message.text().startsWith('Failed to load resource: the server responded')) return;
    if (message.type() === 'error') problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !allowed.some((ok) => ok(response))) {
      problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    // Leaving a page aborts what it was still loading or listening to (event streams, lazy images): not a failure.
    if (failure.includes('ERR_ABORTED')) return;
    problems.push(`request failed: ${request.method()} ${request.url()} (${failure})`);
  });

  return {
    context,
    page,
    baseUrl,
    problems,
    allow: (matcher) => allowed.push(matcher),
    close: async (failedTestName) => {
      if (failedTestName) {
        mkdirSync(TRACES_DIR, { recursive: true });
        await context.tracing.stop({ path: path.join(TRACES_DIR, `${failedTestName.replace(/[^a-z0-9]+/gi, '-')}.zip`) });
      } else {
        await context.tracing.stop();
      }
      await context.close();
    },
  };
}

/** Fails with everything unexpected the browser saw: console errors, page errors, failed requests. */
export function expectNoProblems(session: Session): void {
  if (session.problems.length > 0) {
    throw new Error(`The browser saw problems:\n  ${session.problems.join('\n  ')}`);
  }
}

/** Runs axe on the page as it is; fails on serious or critical violations. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) {
    const lines = bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
    throw new Error(`Accessibility problems on ${where}:\n  ${lines.join('\n  ')}`);
  }
}

/**
 * Waits until fonts are loaded and every image has finished loading (lazy ones are asked to load now: a full-page
 * screenshot shows them all), so a screenshot shows the page as settled. Gives up on an image after 10 s.
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready;
    await Promise.all(
      Array.from(document.images).map((img) => {
        if (img.loading === 'lazy') img.loading = 'eager';
        if (img.complete) return null;
        return new Promise((resolve) => {
          img.addEventListener('load', resolve, { once: true });
          img.addEventListener('error', resolve, { once: true });
          setTimeout(resolve, 10_000);
        });
      }),
    );
  });
}

/**
 * A full-page screenshot at the current width and at 390 px (the page is resized and put back), written to
 * test-results/screenshots/<name>-<width>.png. Times and ids are masked. Each state is also checked with axe.
 */
export async function capture(page: Page, name: string): Promise<void> {
  const original = page.viewportSize() ?? DESKTOP;
  for (const viewport of original.width === MOBILE.width ? [MOBILE] : [original, MOBILE]) {
    if (viewport.width !== page.viewportSize()?.width) await page.setViewportSize(viewport);
    await settled(page);
    await expectAccessible(page, `${name} at ${viewport.width} px`);
    await page.screenshot({
      path: path.join(SCREENSHOTS_DIR, `${name}-${viewport.width}.png`),
      fullPage: true,
      animations: 'disabled',
      caret: 'hide',
      mask: [page.locator('time'), page.locator('[data-volatile]')],
    });
  }
  if (page.viewportSize()?.width !== original.width) await page.setViewportSize(original);
}
