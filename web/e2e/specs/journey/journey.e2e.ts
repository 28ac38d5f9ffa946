import { describe, expect, inject, it } from 'vitest';
import { capture, expectAccessible, expectNoProblems } from '../../harness/browser';
import { useBrowser } from '../../harness/fixture';
import { poll } from '../../harness/poll';
import { blurryPhoto, goodPhotos, rotatedPhoto, textFileNamedJpg } from '../../fixtures/photos';
import { trainCharacter } from '../../flows/train-character';
import { CharacterPage } from '../../pages/character-page';
import { CharactersPage } from '../../pages/characters-page';
import { GalleryPage } from '../../pages/gallery-page';
import { GeneratePage } from '../../pages/generate-page';
import { RunPage } from '../../pages/run-page';
import { Shell } from '../../pages/shell';
import { TrainPage } from '../../pages/train-page';

// The tests of this file run in order against one all-in-one: first the empty pages, then a person's whole
// journey, then stopping a training while a generation waits for the GPU, then comparing a run's checkpoints
// (the empty pages must come first: every spec of the e2e project shares the one all-in-one).
describe('Isengard in a browser, as a person uses it', () => {
  const use = useBrowser();

  it('shows every page before anything exists, with a way forward', async () => {
    const { page } = use();
    const shell = new Shell(page);
    const characters = new CharactersPage(page);

    await characters.goto();
    await characters.emptyState.waitFor();
    await shell.modeBanner.waitFor();
    // Opens the Temporal UI on Isengard's namespace (its own start page shows the `default` one).
    expect(await shell.temporalLink.getAttribute('href')).toBe(`${inject('temporalUiUrl')}/namespaces/isengard/workflows`);
    await capture(page, 'characters-empty');

    await shell.link('Train').click();
    await page.getByText('No characters yet').waitFor();
    await capture(page, 'train-empty');

    await shell.link('Generate').click();
    await page.getByRole('heading', { level: 1, name: 'Generate' }).waitFor();
    await page.getByText('No trained models yet').waitFor();
    await capture(page, 'generate-empty');

    await shell.link('Gallery').click();
    await page.getByText('No pictures yet').waitFor();
    await capture(page, 'gallery-empty');

    await shell.link('Models').click();
    await page.getByRole('heading', { level: 1, name: 'Models' }).waitFor();
    await page.getByRole('button', { name: /^Download/ }).first().waitFor();
    await capture(page, 'models');

    await shell.link(/Video/).click();
    await page.getByText(/nothing runs yet/i).waitFor();
    await capture(page, 'video');

    await page.getByRole('link', { name: /^System:/ }).click();
    await page.getByRole('button', { name: 'Run self-test' }).click();
    await page.getByText(/self-test passed/i).waitFor({ timeout: 60_000 });
    await capture(page, 'system');

    await page.goto('/no-such-page');
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await capture(page, 'not-found');

    expectNoProblems(use());
  });

  it('goes from photos to a trained model to pictures, and finds everything again after a reload', async () => {
    const session = use();
    const { page } = session;
    const shell = new Shell(page);
    const characters = new CharactersPage(page);
    const character = new CharacterPage(page);

    // A character.
    await characters.goto();
    await characters.createCharacter('Subject One');
    await capture(page, 'characters');
    await characters.open('Subject One');
    await character.readiness.getByText('No good photos yet').waitFor();
    await capture(page, 'character-empty');

    // Photos by the file picker, several at once: good ones, one stored sideways, a blurry one, an exact copy and
    // a text file named .jpg. Then one more by drag and drop.
    const good = await goodPhotos(12);
    const copy = { ...good[0]!, name: 'subject-01-copy.jpg' };
    await character.uploadWithPicker([...good, await rotatedPhoto(), await blurryPhoto(), copy, textFileNamedJpg()]);
    expect(await character.waitForUploads()).toBe('Upload finished: 15 added, 1 not added.');
    const rejected = character.upload('notes.jpg');
    await rejected.getByText('Rejected').waitFor();
    expect(await rejected.textContent()).toMatch(/not a photo/i);

    await character.drop(await goodPhotos(1, 40).then((files) => files.map((f) => ({ ...f, name: 'dropped.jpg' }))));
    await character.photo('dropped.jpg').waitFor();
    // The checks that need faces run in the background: the count settles once every photo has been looked at.
    await character.readiness.getByText('14 good photos — ready to train').waitFor({ timeout: 180_000 });

    // What the checks found, with the measured value on focus.
    await character.verdicts('sideways.jpg').getByRole('button', { name: 'Rotated upright' }).waitFor();
    expect(await character.fullPhotoSize('sideways.jpg')).toEqual({ width: 768, height: 1024 }); // stored 1024×768, EXIF 6
    await character.verdicts('subject-01-copy.jpg').getByRole('button', { name: 'Duplicate' }).waitFor();
    const blurry = character.verdicts('blurry.jpg').getByRole('button', { name: 'Blurry' });
    await blurry.focus();
    const tooltip = page.getByRole('tooltip').filter({ hasText: /Sharpness/ });
    await tooltip.waitFor();
    await capture(page, 'character-photos');
    await page.keyboard.press('Escape');
    await tooltip.waitFor({ state: 'hidden' });

    // A caption edited in place, and the blurry photo left out of training.
    const caption = character.caption('subject-01.jpg');
    await caption.fill('photo of [trigger] in a garden');
    await caption.press('Enter');
    await page.getByText('Caption of subject-01.jpg saved.').waitFor();
    await character.useForTraining('blurry.jpg').uncheck();
    await character.verdicts('blurry.jpg').getByRole('button', { name: 'Left out' }).waitFor();

    // Training with the Quick preset, made short under Advanced.
    await character.trainLink.click();
    const train = new TrainPage(page);
    await page.getByRole('heading', { level: 1, name: 'Train' }).waitFor();
    expect(await train.character.inputValue()).not.toBe('');
    await train.preset('Quick').check();
    await capture(page, 'train');
    await train.shortRun(100);
    await train.changedBadges.getByText('100 steps').waitFor();
    await train.hint('Steps').focus();
    await page.getByRole('tooltip').filter({ hasText: /How many times training looks/ }).waitFor();
    await capture(page, 'train-advanced');
    await page.keyboard.press('Escape');
    await train.start.click();

    // The run, live, to the end.
    const run = new RunPage(page);
    await page.waitForURL(/\/trainings\/[0-9a-f-]+$/);
    expect(await run.workflowLink.getAttribute('href')).toMatch(
      new RegExp(`^${inject('temporalUiUrl')}/namespaces/isengard/workflows/training-[0-9a-f-]+$`),
    );
    await run.waitForStatus(/Training completed/);
    expect(await run.progress.getAttribute('aria-valuetext')).toBe('Step 100 of 100');
    await run.samples.getByRole('img').first().waitFor();
    await run.loss.getByText(/^Loss [\d.]+ at step \d+ of 100/).waitFor();
    await run.loss.getByRole('img', { name: /^Loss chart/ }).waitFor();
    await run.timeline.getByText(/LoRA registered/).waitFor();
    await page.getByRole('status').filter({ hasText: 'Training completed.' }).waitFor();
    await capture(page, 'training-completed');

    // Pictures with the new model; the trigger word is added because the prompt leaves it out.
    await run.generateWithThis.click();
    const generate = new GeneratePage(page);
    await page.waitForURL(/\/generate\?lora=/);
    await poll(async () => ((await generate.model.locator('option:checked').textContent())?.startsWith('Subject One v1') ? true : undefined), 'the new LoRA picked');
    await generate.prompt.fill('reading a book in a sunny café, photo');
    await generate.triggerNote.getByText(/is not in your prompt, so it will be added at the start/).waitFor();
    await generate.page.getByRole('combobox', { name: 'Number of pictures' }).selectOption('2');
    await capture(page, 'generate');
    await generate.generate.click();
    await page.waitForURL(/job=/);
    await generate.waitForDone();
    await generate.job.getByRole('img').nth(1).waitFor();
    await capture(page, 'generate-done');

    // The gallery and its viewer: focus stays inside and comes back to the thumbnail.
    await shell.link('Gallery').click();
    const gallery = new GalleryPage(page);
    await gallery.thumbnails.nth(1).waitFor();
    await capture(page, 'gallery');
    const first = gallery.thumbnails.first();
    await first.click();
    await gallery.viewer.waitFor();
    await gallery.viewer.getByRole('link', { name: 'Download' }).waitFor();
    await capture(page, 'gallery-viewer');
    await gallery.viewerButton('Vary seed').click();
    // A variation of this picture: one new picture, with a new seed.
    await gallery.viewer.getByRole('status').getByText(/^Started a new picture/).waitFor();
    await page.keyboard.press('Escape');
    await gallery.viewer.waitFor({ state: 'hidden' });
    expect(await first.evaluate((el) => el === document.activeElement)).toBe(true);
    await poll(async () => ((await gallery.thumbnails.count()) === 3 ? true : undefined), 'the varied picture in the gallery', 120_000);

    // A reload starts from the server: everything is still there.
    await page.reload();
    await gallery.thumbnails.nth(2).waitFor();
    expect(await gallery.thumbnails.count()).toBe(3);
    await page.goto('/characters');
    await characters.open('Subject One');
    const generateWith = character.loras.getByRole('link', { name: 'Generate with this (Subject One v1)' });
    expect(await generateWith.getAttribute('href')).toMatch(/^\/generate\?lora=[0-9a-f-]+$/);
    await character.readiness.getByText('14 good photos — ready to train').waitFor();
    expect(await character.caption('subject-01.jpg').inputValue()).toBe('photo of [trigger] in a garden');
    await capture(page, 'character');

    expectNoProblems(session);
  });

  it('stops a training mid-way, and a generation waits for the GPU meanwhile', async () => {
    const session = use();
    const { page } = session;
    const characters = new CharactersPage(page);
    const character = new CharacterPage(page);

    await characters.goto();
    await characters.createCharacter('Subject Two');
    await characters.open('Subject Two');
    await character.uploadWithPicker(await goodPhotos(10, 100));
    await character.waitForUploads();
    await character.readiness.getByText('10 good photos — ready to train').waitFor({ timeout: 180_000 });

    // A long run (Balanced, 2000 steps, a checkpoint every 50).
    await character.trainLink.click();
    const train = new TrainPage(page);
    await train.shortRun(2000, { saveEvery: 50, sampleEvery: 1000 });
    await train.start.click();
    const run = new RunPage(page);
    await page.waitForURL(/\/trainings\//);
    await run.waitForStep(60);
    await run.saveNow.click();
    await page.getByText(/Checkpoint requested/).waitFor();
    await capture(page, 'training-in-progress');
    const runUrl = page.url();

    // Meanwhile a generation queues behind the training and says so.
    await page.goto('/generate');
    await new GeneratePage(page).model.selectOption({ label: 'None — the base model alone' });
    const generate = new GeneratePage(page);
    await generate.prompt.fill('a lighthouse on a cliff at sunset');
    await generate.generate.click();
    await generate.job.getByText(/^Waiting for the GPU: training of Subject Two/).waitFor();
    await capture(page, 'generate-waiting');
    const jobUrl = page.url();

    // Stop, with a confirmation.
    await page.goto(runUrl);
    await run.stop.click();
    const dialog = page.getByRole('dialog', { name: 'Stop this training?' });
    await dialog.waitFor();
    await expectAccessible(page, 'the Stop confirmation');
    await dialog.getByRole('button', { name: 'Stop training' }).click();
    await run.waitForStatus(/Training stopped/);
    await page.getByText('The last checkpoint was kept as a model', { exact: true }).waitFor();
    await capture(page, 'training-stopped');

    // The waiting generation then runs.
    await page.goto(jobUrl);
    await generate.waitForDone();
    await generate.job.getByRole('img').first().waitFor();

    expectNoProblems(session);
  });

  it('compares the checkpoints of a run: a checkpoints × prompts grid in one click, and a checkpoint kept as a version', async () => {
    const session = use();
    const { page } = session;
    // The screens up to a finished run were walked above: here they only lead to the run to compare.
    await trainCharacter(page, 'Subject Compare', { photoSeed: 200, steps: 100, saveEvery: 50, sampleEvery: 50 });

    await page.getByRole('link', { name: 'Compare its checkpoints' }).click();
    await page.waitForURL(/\/compare\?run=/);
    await page.getByRole('checkbox', { name: 'Step 50' }).waitFor();
    await page.getByRole('textbox', { name: 'Prompt 1' }).fill('portrait by a window, photo');
    await page.getByRole('textbox', { name: 'Prompt 2' }).fill('riding a bicycle in the rain, photo');
    await page.getByRole('button', { name: 'Build the grid' }).click();

    // Two checkpoints (step 50, final) × two prompts: four pictures, each with its likeness line under it.
    const grid = page.getByRole('table');
    const columns = await poll(async () => {
      const count = await grid.getByRole('columnheader').count();
      return count > 0 ? count : undefined;
    }, 'the grid');
    await poll(async () => ((await grid.getByRole('img').count()) === columns * 2 ? true : undefined), 'every picture of the grid', 120_000);
    expect(await grid.locator('.compare-likeness').count()).toBe(columns * 2);
    for (const text of await grid.locator('.compare-likeness').allTextContents()) expect(text).toMatch(/^(Scoring…|No face|Likeness [\d.]+ · .+|No photo to compare with)$/);
    await capture(page, 'compare-grid');

    const keep = grid.getByRole('button', { name: 'Keep as a version (step 50)' });
    await keep.click();
    await grid.getByRole('columnheader').filter({ hasText: /^Step 50/ }).getByText(/^Version: /).waitFor();
    expectNoProblems(session);
  });
});
