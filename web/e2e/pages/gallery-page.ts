import type { Locator, Page } from 'playwright-core';

export class GalleryPage {
  readonly grid: Locator;
  readonly thumbnails: Locator;
  readonly viewer: Locator;
  readonly characterFilter: Locator;

  constructor(readonly page: Page) {
    this.grid = page.getByRole('list', { name: 'Pictures, newest first' });
    // The buttons that open the viewer (a tile also has a checkbox, a favourite star and a menu).
    this.thumbnails = this.grid.getByRole('button', { name: /open the viewer$/ });
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

  /** The tiles whose prompt contains this text, in the grid's order. */
  tiles(prompt: string): Locator {
    return this.grid.getByRole('listitem').filter({ has: this.page.locator('.tile-prompt', { hasText: prompt }) });
  }

  /** A tile's thumbnail, checkbox and favourite star. */
  thumbnailOf(tile: Locator): Locator {
    return tile.getByRole('button', { name: /open the viewer$/ });
  }

  checkboxOf(tile: Locator): Locator {
    return tile.getByRole('checkbox', { name: /^Select / });
  }

  starOf(tile: Locator): Locator {
    return tile.getByRole('button', { name: /^Favourite / });
  }

  get selectionBar(): Locator {
    return this.page.getByRole('region', { name: 'Selected pictures' });
  }

  get favouritesOnly(): Locator {
    return this.page.getByRole('checkbox', { name: 'Favourites only' });
  }

  /** The seed the viewer shows for its picture. */
  async viewerSeed(): Promise<number> {
    return Number(await this.viewer.locator('dt', { hasText: /^Seed$/ }).locator('xpath=following-sibling::dd[1]').textContent());
  }
}
