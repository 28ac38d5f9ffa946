import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Generation } from '../../../../lib/contracts/generations';
import { readPngText } from '../../../../lib/png-text';
import { readZip } from '../../../../test/helpers/zip';
import { capture, expectNoProblems, MOBILE } from '../../harness/browser';
import { useBrowser } from '../../harness/fixture';
import { poll } from '../../harness/poll';
import { GalleryPage } from '../../pages/gallery-page';
import { GeneratePage } from '../../pages/generate-page';

/** A generation, read from the API, once it has ended. */
async function finished(page: Page, id: string): Promise<Generation> {
  return poll(
    async () => {
      const generation = (await (await page.request.get(`/api/generations/${id}`)).json()) as Generation;
      return ['completed', 'failed', 'cancelled'].includes(generation.status) ? generation : undefined;
    },
    `generation ${id} to end`,
    120_000,
  );
}

async function pixels(page: Page, url: string): Promise<Buffer> {
  return sharp(Buffer.from(await (await page.request.get(url)).body())).raw().toBuffer();
}

/** The generation the viewer's "Follow it" link leads to. */
async function startedFromViewer(gallery: GalleryPage): Promise<string> {
  const href = await gallery.viewer.getByRole('status').getByRole('link', { name: 'Follow it' }).getAttribute('href');
  return /job=([0-9a-f-]+)/.exec(href ?? '')![1]!;
}

describe('the gallery, as a new user works in it', () => {
  const use = useBrowser();

  it('re-runs one picture of a batch exactly, varies it, reuses its settings, marks favourites, downloads and deletes', async () => {
    const session = use();
    const { page } = session;
    const prompt = `kite ${randomUUID().slice(0, 8)} over the dunes`;

    // A batch of four, with the base model alone (other specs may have trained models), started with Ctrl+Enter.
    const generate = new GeneratePage(page);
    await page.goto('/generate');
    await generate.model.selectOption({ label: 'None — the base model alone' });
    await generate.prompt.fill(prompt);
    await page.getByRole('combobox', { name: 'Number of pictures' }).selectOption('4');
    await generate.prompt.press('Control+Enter');
    await page.waitForURL(/job=/);
    await generate.waitForDone();

    const gallery = new GalleryPage(page);
    await gallery.goto();
    const tiles = gallery.tiles(prompt);
    await tiles.nth(3).waitFor();
    expect(await tiles.count()).toBe(4);

    // Re-run exactly the third picture: its own seed, the same pixels.
    await gallery.thumbnailOf(tiles.nth(2)).click();
    await gallery.viewer.waitFor();
    const seed = await gallery.viewerSeed();
    const originalUrl = await gallery.viewer.getByRole('img').getAttribute('src');
    await gallery.viewerButton('Re-run exactly').click();
    await gallery.viewer.getByRole('status').getByText(`Started a new picture (seed ${seed})`).waitFor();
    const exactId = await startedFromViewer(gallery);
    const exact = await finished(page, exactId);
    expect(exact.status).toBe('completed');
    expect(exact.outputs.map((o) => o.seed)).toEqual([seed]);
    expect((await pixels(page, exact.outputs[0]!.url)).equals(await pixels(page, originalUrl!))).toBe(true);

    // Vary it: one new picture, a new seed, everything else the same.
    await gallery.viewerButton('Vary seed').click();
    // The status still tells of the exact re-run until the new one is started: wait for a link to another job.
    const variedId = await poll(async () => {
      const id = await startedFromViewer(gallery);
      return id !== exactId ? id : undefined;
    }, 'the varied picture to start');
    const varied = await finished(page, variedId);
    expect(varied.parameters).toMatchObject({ userPrompt: prompt, batch: 1 });
    expect(varied.outputs[0]!.seed).not.toBe(seed);
    await page.keyboard.press('Escape');
    await gallery.viewer.waitFor({ state: 'hidden' });
    await poll(async () => ((await tiles.count()) === 6 ? true : undefined), 'the new pictures in the gallery', 60_000);

    // A favourite, and the favourites only (in the address too).
    const favourite = tiles.last();
    const favouriteAlt = await favourite.getByRole('img').first().getAttribute('alt');
    await gallery.starOf(favourite).click();
    await poll(async () => ((await gallery.starOf(favourite).getAttribute('aria-pressed')) === 'true' ? true : undefined), 'the star on');
    await gallery.favouritesOnly.check();
    await page.waitForURL(/favourite=1/);
    await poll(async () => ((await tiles.count()) === 1 ? true : undefined), 'only the favourite shown');
    expect(await tiles.first().getByRole('img').first().getAttribute('alt')).toBe(favouriteAlt);
    await gallery.favouritesOnly.uncheck();
    await poll(async () => ((await tiles.count()) === 6 ? true : undefined), 'every picture again');

    // Two chosen (a click, then Shift+click) and downloaded as one zip: two PNGs with their parameters inside.
    await gallery.checkboxOf(tiles.nth(0)).click();
    await gallery.checkboxOf(tiles.nth(1)).click({ modifiers: ['Shift'] });
    await gallery.selectionBar.getByText('2 selected').waitFor();
    await capture(page, 'gallery-selection');
    const [download] = await Promise.all([page.waitForEvent('download'), gallery.selectionBar.getByRole('link', { name: 'Download zip' }).click()]);
    expect(download.suggestedFilename()).toBe('isengard-2-pictures.zip');
    const entries = readZip(await readFile((await download.path())!));
    expect(entries.size).toBe(2);
    for (const png of entries.values()) expect(readPngText(png).parameters).toContain(prompt);
    await gallery.selectionBar.getByRole('button', { name: 'Clear' }).click();
    await gallery.selectionBar.waitFor({ state: 'hidden' });

    // Delete one picture alone, from the viewer.
    await gallery.thumbnailOf(tiles.first()).click();
    await gallery.viewerButton('Delete').click();
    const confirm = page.getByRole('dialog', { name: 'Delete this picture?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await gallery.viewer.waitFor({ state: 'hidden' });
    await poll(async () => ((await tiles.count()) === 5 ? true : undefined), 'the picture gone');

    // On a phone: the viewer's actions are in view without scrolling.
    await page.setViewportSize(MOBILE);
    await gallery.thumbnailOf(tiles.first()).click();
    await gallery.viewer.waitFor();
    for (const action of [
      gallery.viewer.getByRole('link', { name: 'Download' }),
      gallery.viewerButton('Re-run exactly'),
      gallery.viewerButton('Vary seed'),
      gallery.viewerButton('Use these settings'),
      gallery.viewerButton('Delete'),
      gallery.viewer.getByRole('button', { name: /^Favourite/ }),
    ]) {
      const box = (await action.boundingBox())!;
      expect(box.y, `${await action.textContent()} in view`).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height, `${await action.textContent()} in view`).toBeLessThanOrEqual(MOBILE.height);
    }
    await capture(page, 'gallery-viewer-phone');

    // Use these settings: the Generate form filled from this picture, its seed included.
    const reusedSeed = await gallery.viewerSeed();
    await gallery.viewerButton('Use these settings').click();
    await page.waitForURL(/\/generate$/);
    expect(await generate.prompt.inputValue()).toBe(prompt);
    await page.getByRole('list', { name: 'Advanced settings changed from the defaults' }).getByText(`seed ${reusedSeed}`).waitFor();

    expectNoProblems(session);
  });
});
