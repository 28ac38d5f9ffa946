import type { Locator, Page } from 'playwright-core';

/** The Training runs page: every run of every character, with filters. */
export class RunsPage {
  readonly table: Locator;
  readonly character: Locator;
  readonly status: Locator;

  constructor(readonly page: Page) {
    this.table = page.getByRole('table', { name: 'Training runs, newest first' });
    this.character = page.getByRole('combobox', { name: 'Character' });
    this.status = page.getByRole('combobox', { name: 'Status' });
  }

  /** The rows of a character's runs (on a wide screen, where the runs are a table). */
  rowsOf(characterName: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: characterName, exact: true }) });
  }
}
