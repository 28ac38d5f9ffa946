import type { Locator, Page } from 'playwright-core';

/** The "Continue training" dialog of a run page. */
export class ContinueDialog {
  readonly open: Locator;
  readonly dialog: Locator;
  readonly start: Locator;

  constructor(readonly page: Page) {
    this.open = page.getByRole('button', { name: 'Continue training' });
    this.dialog = page.getByRole('dialog', { name: 'Continue training' });
    this.start = this.dialog.getByRole('button', { name: 'Start' });
  }

  field(label: string): Locator {
    return this.dialog.getByRole('spinbutton', { name: label, exact: true });
  }
}
