import type { Locator, Page } from 'playwright-core';

/** The LoRAs page: every trained model, grouped by character. */
export class LorasPage {
  readonly favouritesOnly: Locator;

  constructor(readonly page: Page) {
    this.favouritesOnly = page.getByRole('checkbox', { name: 'Favourites only' });
  }

  /** One LoRA, by its (current) name. */
  lora(name: string): Locator {
    return this.page.getByRole('listitem', { name, exact: true });
  }

  button(lora: Locator, name: RegExp | string): Locator {
    return lora.getByRole('button', { name });
  }
}
