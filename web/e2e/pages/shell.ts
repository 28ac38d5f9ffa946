import type { Locator, Page } from 'playwright-core';

/** What every page has: the navigation, the banners, the operators' link. */
export class Shell {
  readonly nav: Locator;
  readonly modeBanner: Locator;
  readonly temporalLink: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Main' });
    this.modeBanner = page.getByText('Engines are simulated:');
    this.temporalLink = page.getByRole('banner').getByRole('link', { name: /Temporal UI/ });
  }

  link(name: 'Characters' | 'Train' | 'Generate' | 'Gallery' | 'Models' | RegExp): Locator {
    return this.nav.getByRole('link', { name, exact: typeof name === 'string' });
  }

  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }
}
