import type { Locator, Page } from 'playwright-core';

export class GalleryPage {
  readonly grid: Locator;
  readonly thumbnails: Locator;
  readonly viewer: Locator;
  readonly characterFilter: Locator;

  constructor(readonly page: Page) {
    this.grid = page.getByRole('list', { name: 'Pictures, newest first' });
    this.thumbnails = this.grid.getByRole('button');
    this.viewer = page.getByRole('dialog', { name: /^Picture \d+ of \d+/ });
    this.characterFilter = page.getByRole('combobox', { name: 'Character' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/gallery');
    await this.page.getByRole('heading', { level: 1, name: 'Gallery' }).waitFor();
  }

  viewerButton(name: string): Locator {
    return this.viewer.getByRole('button', { name, exact: true });
  }
}
