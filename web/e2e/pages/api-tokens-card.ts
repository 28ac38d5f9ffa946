import type { Locator, Page } from 'playwright-core';

/** The System page's API tokens card: the new-token form, a secret shown once, and the list of tokens. */
export class ApiTokensCard {
  readonly card: Locator;
  readonly name: Locator;
  readonly create: Locator;
  readonly copiedIt: Locator;

  constructor(readonly page: Page) {
    this.card = page.getByRole('region', { name: 'API tokens' });
    this.name = this.card.getByRole('textbox', { name: 'Name' });
    this.create = this.card.getByRole('button', { name: 'Create token' });
    this.copiedIt = this.card.getByRole('button', { name: 'I have copied it' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/system');
    await this.card.waitFor();
  }

  /** A secret the card shows once ("Token", "Webhook signing secret", "Signing secret"). */
  revealed(label: string): Locator {
    return this.card.locator(`code[data-secret="${label}"]`);
  }

  /** The list entry of one token, by its name. */
  token(name: string): Locator {
    return this.card.getByRole('listitem').filter({ has: this.page.locator('.api-token-name', { hasText: name }) });
  }

  /** The webhook form of one token, opened with its Set (or Change) webhook button. */
  async openWebhookForm(name: string): Promise<Locator> {
    await this.token(name).getByRole('button', { name: new RegExp(`^(Set|Change) webhook of ${name}$`) }).click();
    return this.token(name).getByRole('form', { name: `Webhook of ${name}` });
  }
}
