import type { Locator, Page } from 'playwright-core';
import { poll } from '../harness/poll';

/** A training run's page. */
export class RunPage {
  readonly progress: Locator;
  readonly status: Locator;
  readonly stop: Locator;
  readonly saveNow: Locator;
  readonly loss: Locator;
  readonly samples: Locator;
  readonly timeline: Locator;
  readonly generateWithThis: Locator;
  readonly workflowLink: Locator;

  constructor(readonly page: Page) {
    this.progress = page.getByRole('progressbar', { name: 'Training progress' });
    this.status = page.locator('.run-status-line');
    this.stop = page.getByRole('button', { name: 'Stop training' });
    this.saveNow = page.getByRole('button', { name: 'Save checkpoint now' });
    this.loss = page.getByRole('region', { name: 'Loss' });
    this.samples = page.getByRole('region', { name: 'Sample images' });
    this.timeline = page.getByRole('region', { name: 'Timeline' });
    this.generateWithThis = page.getByRole('link', { name: 'Generate with this model' });
    this.workflowLink = page.getByRole('link', { name: /Open the workflow in the Temporal UI/ });
  }

  /** The step the progress bar reports (0 while it is not counting). */
  async step(): Promise<number> {
    return Number((await this.progress.getAttribute('aria-valuenow')) ?? 0);
  }

  async waitForStep(atLeast: number, timeoutMs = 60_000): Promise<number> {
    return poll(async () => {
      const step = await this.step();
      return step >= atLeast ? step : undefined;
    }, `the training to reach step ${atLeast}`, timeoutMs);
  }

  async waitForStatus(text: RegExp, timeoutMs = 120_000): Promise<void> {
    await this.status.filter({ hasText: text }).waitFor({ timeout: timeoutMs });
  }
}
