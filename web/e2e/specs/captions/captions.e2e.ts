import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { capture, expectNoProblems } from '../../harness/browser';
import { useBrowser } from '../../harness/fixture';
import { goodPhotos } from '../../fixtures/photos';
import { CharacterPage } from '../../pages/character-page';
import { CharactersPage } from '../../pages/characters-page';

describe('captions written for you, as a new user works with them', () => {
  const use = useBrowser();

  it('writes sensible captions in one click; an edit survives leaving by blur, navigation and reload; find/replace', async () => {
    const session = use();
    const { page } = session;
    const name = `Caption ${randomUUID().slice(0, 8)}`;

    const characters = new CharactersPage(page);
    await characters.goto();
    await characters.createCharacter(name);
    await characters.open(name);
    const character = new CharacterPage(page);
    await character.uploadWithPicker(await goodPhotos(3, 300));
    expect(await character.waitForUploads()).toBe('Upload finished: 3 added.');

    // One click: every photo gets a caption that keeps the trigger word and says what the simulator saw.
    await page.getByRole('button', { name: 'Write captions (all photos)' }).click();
    await page.getByText('Captions written for 3 photos.').waitFor({ timeout: 60_000 });
    for (const photo of ['subject-01.jpg', 'subject-02.jpg', 'subject-03.jpg']) {
      const caption = character.caption(photo);
      await expect.poll(() => caption.inputValue(), { timeout: 10_000 }).toMatch(/^photo of \[trigger\], .+ light$/);
      // The box shows its whole text: no scrolling inside it.
      expect(await caption.evaluate((el) => el.scrollHeight <= el.clientHeight + 2)).toBe(true);
    }
    await capture(page, 'captions-written');

    // An edit saved when the box loses focus, and one still in the box when the page reloads.
    const first = character.caption('subject-01.jpg');
    await first.fill('photo of [trigger] with a crimson umbrella');
    await character.caption('subject-02.jpg').click();
    await page.getByText('Caption of subject-01.jpg saved.').waitFor();
    await character.caption('subject-02.jpg').fill('photo of [trigger] on a crimson bicycle');
    await page.reload();
    await expect.poll(() => character.caption('subject-02.jpg').inputValue(), { timeout: 10_000 }).toBe('photo of [trigger] on a crimson bicycle');
    expect(await character.caption('subject-01.jpg').inputValue()).toBe('photo of [trigger] with a crimson umbrella');

    // One still in the box when another page is opened from the menu.
    await character.caption('subject-03.jpg').fill('photo of [trigger] in a crimson coat');
    await page.getByRole('link', { name: 'Models' }).first().click();
    await page.getByRole('heading', { level: 1, name: /Models/ }).waitFor();
    await page.goBack();
    await expect.poll(() => character.caption('subject-03.jpg').inputValue(), { timeout: 10_000 }).toBe('photo of [trigger] in a crimson coat');

    // Find/replace across the captions, with the count.
    await page.getByRole('button', { name: 'Find and replace in captions…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Find and replace in every caption' });
    await dialog.getByRole('textbox', { name: 'Find' }).fill('crimson');
    await dialog.getByRole('textbox', { name: 'Replace with' }).fill('teal');
    await dialog.getByRole('button', { name: 'Replace all' }).click();
    await page.getByText('3 captions changed.').waitFor();
    await expect.poll(() => character.caption('subject-02.jpg').inputValue()).toBe('photo of [trigger] on a teal bicycle');
    await page.reload();
    await expect.poll(() => character.caption('subject-03.jpg').inputValue(), { timeout: 10_000 }).toBe('photo of [trigger] in a teal coat');
    expectNoProblems(session);
  });
});
