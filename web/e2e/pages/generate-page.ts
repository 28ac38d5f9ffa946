import type { Locator, Page } from 'playwright-core';

export class GeneratePage {
  readonly model: Locator;
  readonly prompt: Locator;
  readonly triggerNote: Locator;
  readonly generate: Locator;
  readonly job: Locator;
  readonly jobProgress: Locator;
  readonly advanced: Locator;

  constructor(readonly page: Page) {
    this.model = page.getByRole('combobox', { name: 'Trained model' });
    this.prompt = page.getByRole('textbox', { name: 'Prompt' });
    this.triggerNote = page.locator('.trigger-added, .trigger-ok');
    this.generate = page.getByRole('button', { name: /^Generate/ });
    this.job = page.getByRole('region', { name: 'Your pictures' });
    this.jobProgress = page.getByRole('progressbar', { name: 'Generation progress' });
    this.advanced = page.getByRole('button', { name: 'Advanced settings' });
  }

  /** The seed field under Advanced (a fixed seed). */
  get seed(): Locator {
    return this.page.getByRole('spinbutton', { name: 'Seed number' });
  }

  aspect(label: RegExp): Locator {
    return this.page.getByRole('radio', { name: label });
  }

  async waitForDone(timeoutMs = 120_000): Promise<void> {
    await this.job.getByText('Done', { exact: true }).waitFor({ timeout: timeoutMs });
  }
}
