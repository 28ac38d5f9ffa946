import type { Locator, Page } from 'playwright-core';

export class CharactersPage {
  readonly name: Locator;
  readonly create: Locator;
  readonly list: Locator;
  readonly emptyState: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByRole('textbox', { name: 'Name' });
    this.create = page.getByRole('button', { name: 'Create character' });
    this.list = page.getByRole('list', { name: 'Your characters' });
    this.emptyState = page.getByText('No characters yet');
  }

  async goto(): Promise<void> {
    await this.page.goto('/characters');
    await this.page.getByRole('heading', { level: 1, name: 'Characters' }).waitFor();
  }

  async createCharacter(name: string): Promise<void> {
    await this.name.fill(name);
    await this.create.click();
    await this.list.getByRole('link', { name, exact: true }).waitFor();
  }

  async open(name: string): Promise<void> {
    await this.list.getByRole('link', { name, exact: true }).click();
    await this.page.getByRole('heading', { level: 1, name }).waitFor();
  }
}
