import type { Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { MOBILE, capture, expectAccessible, expectNoProblems } from '../../harness/browser';
import { useBrowser } from '../../harness/fixture';
import { goodPhotos } from '../../fixtures/photos';
import { CharacterPage } from '../../pages/character-page';
import { CharactersPage } from '../../pages/characters-page';
import { RunPage } from '../../pages/run-page';
import { TrainPage } from '../../pages/train-page';

/** Every request of the page that changes something (POST, PATCH, DELETE) to the API, from now on. */
function changesSent(page: CharactersPage['page']): Request[] {
  const sent: Request[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET' && new URL(request.url()).pathname.startsWith('/api/')) sent.push(request);
  });
  return sent;
}

// Before a long run (the few-photos confirmation, the duration estimate) and small fixes seen in the browser (the
// delete dialog's counts, the phone header's menu, empty forms that send nothing). Characters have names of their
// own: the journey has run on this instance before.
describe('Before a long run, and small fixes', () => {
  const use = useBrowser();

  it('asks before training on fewer than 10 good photos, next to an estimate of the duration', async () => {
    const session = use();
    const { page } = session;
    const characters = new CharactersPage(page);
    const character = new CharacterPage(page);
    await characters.goto();
    await characters.createCharacter('Few Photos Fixes');
    await characters.open('Few Photos Fixes');
    await character.uploadWithPicker(await goodPhotos(3, 300));
    await character.waitForUploads();
    await character.readiness.getByText('3 good photos — add at least 7 more').waitFor({ timeout: 180_000 });

    await character.trainLink.click();
    const train = new TrainPage(page);
    await page.getByRole('heading', { level: 1, name: 'Train' }).waitFor();
    // The GPU worker of this instance is simulated: it is named, with a duration once one is known for it.
    const estimate = page.getByTestId('train-estimate');
    await estimate.getByText(/Simulated GPU/).waitFor();
    await train.preset('Quick').check();
    await train.shortRun(100);

    const sent = changesSent(page);
    await train.start.click();
    const dialog = page.getByRole('dialog', { name: 'Fewer than 10 good photos' });
    await dialog.getByText('Few Photos Fixes has 3 good photos: the model may not look like them.', { exact: false }).waitFor();
    await expectAccessible(page, 'the few-photos confirmation');
    await capture(page, 'train-few-photos');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(sent).toEqual([]);

    await train.start.click();
    await dialog.getByRole('button', { name: 'Train anyway' }).click();
    await page.waitForURL(/\/trainings\/[0-9a-f-]+$/);
    expect(sent.map((r) => JSON.parse(r.postData() ?? '{}') as unknown)).toEqual([{ preset: 'quick', advanced: { steps: 100, saveEvery: 50, sampleEvery: 50 }, confirmFewPhotos: true }]);
    const run = new RunPage(page);
    await run.waitForStatus(/Training completed/);

    // The run just measured this GPU's speed at these settings: the estimate says so now.
    await characters.goto();
    await characters.open('Few Photos Fixes');
    await character.trainLink.click();
    await train.preset('Quick').check();
    await estimate.getByText(/^≈ .* on Simulated GPU .*\(measured on this instance\)/).waitFor();
    expectNoProblems(session);
  });

  it('says what deleting a character takes with it, counted now', async () => {
    const session = use();
    const { page } = session;
    const characters = new CharactersPage(page);
    const character = new CharacterPage(page);
    await characters.goto();
    await characters.createCharacter('Deleted Fixes');
    await characters.open('Deleted Fixes');
    await character.uploadWithPicker(await goodPhotos(2, 320));
    expect(await character.waitForUploads()).toBe('Upload finished: 2 added.');

    await characters.goto();
    await characters.list.getByRole('button', { name: 'Delete Deleted Fixes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Deleted Fixes?' });
    await dialog.getByText('Deleted with Deleted Fixes: 2 photos.').waitFor();
    await dialog.getByText('Nothing of Deleted Fixes is running.', { exact: false }).waitFor();
    await expectAccessible(page, 'the delete dialog');
    await capture(page, 'delete-character');
    await dialog.getByRole('button', { name: 'Delete Deleted Fixes' }).click();
    await dialog.waitFor({ state: 'detached' });
    await characters.list.getByRole('link', { name: 'Deleted Fixes', exact: true }).waitFor({ state: 'detached' });
    expectNoProblems(session);
  });

  it('on a phone, the header is one row with a menu for the pages', async () => {
    const session = use();
    const { page } = session;
    await page.setViewportSize(MOBILE);
    const characters = new CharactersPage(page);
    await characters.goto();

    const header = page.getByRole('banner').first();
    const menu = header.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    // One row: the logo, the page's name and the button share it.
    const row = await header.boundingBox();
    const button = await menu.boundingBox();
    const brand = await header.getByRole('link', { name: 'Isengard' }).boundingBox();
    expect(row!.height).toBeLessThan(80);
    expect(Math.abs(button!.y + button!.height / 2 - (brand!.y + brand!.height / 2))).toBeLessThan(8);
    const pageName = header.locator('.header-current');
    expect(await pageName.textContent()).toBe('Characters');
    expect(await pageName.isVisible()).toBe(true);

    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await nav.getByRole('link', { name: 'Gallery' }).waitFor();
    await expectAccessible(page, 'the open menu on a phone');
    await capture(page, 'mobile-menu');
    await page.keyboard.press('Escape');
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await nav.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Menu');

    await menu.click();
    await nav.getByRole('link', { name: 'Gallery' }).click();
    await page.getByRole('heading', { level: 1, name: 'Gallery' }).waitFor();
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await pageName.textContent()).toBe('Gallery');
    expectNoProblems(session);
  });

  it('an empty form sends no request: it says what is missing', async () => {
    const session = use();
    const { page } = session;
    const characters = new CharactersPage(page);
    await characters.goto();
    const sent = changesSent(page);
    await characters.create.click();
    await page.getByText('Name cannot be empty').waitFor();
    expect(await characters.name.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('name');
    expect(sent).toEqual([]);
    expectNoProblems(session);
  });
});
