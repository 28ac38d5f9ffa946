import { expect, describe, it } from 'vitest';
import { capture, expectAccessible, expectNoProblems } from '../../harness/browser';
import { useBrowser } from '../../harness/fixture';
import { goodPhotos } from '../../fixtures/photos';
import { CharacterPage } from '../../pages/character-page';
import { CharactersPage } from '../../pages/characters-page';
import { ContinueDialog } from '../../pages/continue-dialog';
import { RunPage } from '../../pages/run-page';
import { TrainPage } from '../../pages/train-page';

describe('Continue training (issue 24)', () => {
  const use = useBrowser();

  it('continues a finished run for two more saves as a new run that starts from its last step', async () => {
    const session = use();
    const { page } = session;
    const characters = new CharactersPage(page);
    const character = new CharacterPage(page);

    await characters.goto();
    await characters.createCharacter('Subject Continue');
    await characters.open('Subject Continue');
    await character.uploadWithPicker(await goodPhotos(10, 300));
    await character.waitForUploads();
    await character.readiness.getByText(/ready to train/).waitFor({ timeout: 180_000 });

    // A short run: 100 steps, a checkpoint every 50.
    await character.trainLink.click();
    const train = new TrainPage(page);
    await train.shortRun(100, { saveEvery: 50, sampleEvery: 50 });
    await train.start.click();
    await page.waitForURL(/\/trainings\/[0-9a-f-]+$/);
    const firstUrl = page.url();
    const run = new RunPage(page);
    await run.waitForStatus(/Training completed/);

    // Continue it: the settings are shown, the steps to add chosen (two more saves), and Start opens the new run.
    const more = new ContinueDialog(page);
    await more.open.click();
    await more.dialog.waitFor();
    await more.dialog.getByText(/last checkpoint, at step 100/).waitFor();
    await more.dialog.getByText(/a different rank would resize the trained weights/).waitFor();
    await more.field('Steps to add').fill('100');
    await more.field('Save a checkpoint every').fill('50');
    await more.dialog.getByText(/trains on from there to step 200/).waitFor();
    await expectAccessible(page, 'the Continue training dialog');
    await capture(page, 'continue-dialog');
    await more.start.click();

    await page.waitForURL((url) => /\/trainings\/[0-9a-f-]+$/.test(url.pathname) && url.href !== firstUrl);
    await page.getByText(/Continued from/).waitFor();
    expect(await page.getByRole('link', { name: /^run [0-9a-f]{8}$/ }).getAttribute('href')).toBe(new URL(firstUrl).pathname);
    // It counts from step 100, never from 0.
    expect(await run.step()).toBeGreaterThanOrEqual(100);
    await run.waitForStatus(/Training completed/);
    expect(await run.step()).toBe(200);
    await run.timeline.getByText(/from its checkpoint at step 100/).waitFor();
    await capture(page, 'continued-run');
    expectNoProblems(session);
  });
});
