import type { Locator, Page } from 'playwright-core';

export class TrainPage {
  readonly character: Locator;
  readonly advanced: Locator;
  readonly start: Locator;
  readonly changedBadges: Locator;
  readonly history: Locator;

  constructor(readonly page: Page) {
    this.character = page.getByRole('combobox', { name: 'Character' });
    this.advanced = page.getByRole('button', { name: 'Advanced settings' });
    this.start = page.getByRole('button', { name: /^Start training/ });
    this.changedBadges = page.getByRole('list', { name: /Settings changed from/ });
    this.history = page.getByRole('region', { name: 'Training runs' });
  }

  preset(label: 'Quick' | 'Balanced' | 'High quality'): Locator {
    return this.page.getByRole('radio', { name: new RegExp(`^${label}`) });
  }

  field(label: string): Locator {
    return this.page.getByRole('spinbutton', { name: label, exact: true });
  }

  hint(label: string): Locator {
    return this.page.getByRole('button', { name: `About ${label}` });
  }

  async openAdvanced(): Promise<void> {
    if ((await this.advanced.getAttribute('aria-expanded')) !== 'true') await this.advanced.click();
  }

  /** Sets the step and checkpoint settings so a run takes seconds with the simulated trainer. */
  async shortRun(steps: number, { saveEvery = 50, sampleEvery = 50 } = {}): Promise<void> {
    await this.openAdvanced();
    await this.field('Steps').fill(String(steps));
    await this.field('Save every').fill(String(saveEvery));
    await this.field('Sample every').fill(String(sampleEvery));
  }
}
