import type { Locator, Page } from 'playwright-core';

/** The System page's Webhooks card: the instance webhook and the delivery log. */
export class SystemWebhooks {
  readonly card: Locator;
  readonly url: Locator;
  readonly secret: Locator;
  readonly save: Locator;
  readonly remove: Locator;
  readonly log: Locator;

  constructor(readonly page: Page) {
    this.card = page.getByRole('region', { name: 'Webhooks' });
    this.url = this.card.getByRole('textbox', { name: 'URL' });
    this.secret = this.card.getByLabel(/^Secret/);
    this.save = this.card.getByRole('button', { name: 'Save webhook' });
    this.remove = this.card.getByRole('button', { name: 'Remove' });
    this.log = this.card.getByRole('table');
  }

  async goto(): Promise<void> {
    await this.page.goto('/system');
    await this.card.waitFor();
  }

  /** The log's row of one delivery. */
  delivery(id: string): Locator {
    return this.log.locator(`tr[data-delivery-id="${id}"]`);
  }
}
