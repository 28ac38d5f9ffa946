import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { LoraEntryList } from '../../../../lib/contracts/loras';
import { capture, expectNoProblems } from '../../harness/browser';
import { useBrowser } from '../../harness/fixture';
import { trainCharacter } from '../../flows/train-character';
import { LorasPage } from '../../pages/loras-page';
import { RunsPage } from '../../pages/runs-page';
import { Shell } from '../../pages/shell';

const NAME = 'Models Subject';

describe('every run and every model at hand, as a new user finds them', () => {
  const use = useBrowser();

  it('finds a run on the Training runs page and its LoRA on the LoRAs page; renames, annotates, stars, downloads and deletes it', async () => {
    const session = use();
    const { page } = session;
    const shell = new Shell(page);

    // A character trained in a few seconds (simulated engines).
    const { runPath: runUrl } = await trainCharacter(page, NAME, { photoSeed: 300, preset: 'Quick', steps: 100 });

    // The run, among every run, narrowed to this character.
    await shell.link(/^Runs$/).click();
    const runs = new RunsPage(page);
    await page.getByRole('heading', { level: 1, name: 'Training runs' }).waitFor();
    await runs.character.selectOption({ label: NAME });
    await page.waitForURL(/\?character=/);
    const row = runs.rowsOf(NAME);
    await row.getByText('Completed').waitFor();
    await row.getByText('100 of 100').waitFor();
    expect(await row.getByRole('cell', { name: 'Quick', exact: true }).count()).toBe(1);
    expect(await row.getByRole('link', { name: /^Open/ }).getAttribute('href')).toBe(runUrl);
    await capture(page, 'training-runs');

    // Its LoRA, on the LoRAs page.
    await row.getByRole('link', { name: `${NAME} v1` }).click();
    await page.waitForURL(/\/loras\?character=/);
    const loras = new LorasPage(page);
    const lora = loras.lora(`${NAME} v1`);
    await lora.getByText('Most trained').waitFor();
    expect(await lora.getByRole('link', { name: /run of 100 steps/ }).getAttribute('href')).toBe(runUrl);
    await capture(page, 'loras');

    // Renamed in place, annotated, starred.
    await loras.button(lora, `Rename ${NAME} v1`).click();
    const nameBox = page.getByRole('textbox', { name: `New name for ${NAME} v1` });
    await nameBox.fill(`${NAME} keeper`);
    await nameBox.press('Enter');
    const renamed = loras.lora(`${NAME} keeper`);
    await renamed.waitFor();
    await loras.button(renamed, `Add notes of ${NAME} keeper`).click();
    await page.getByRole('textbox', { name: `Notes on ${NAME} keeper` }).fill('Good at strength 0.9');
    await page.getByRole('button', { name: 'Save notes' }).click();
    await renamed.getByText('Good at strength 0.9').waitFor();
    const star = loras.button(renamed, new RegExp(`Favourite ${NAME} keeper`));
    await star.click();
    await renamed.locator('[aria-pressed="true"]').waitFor();
    await loras.favouritesOnly.check();
    await page.waitForURL(/favourite=true/);
    await renamed.waitFor();

    // Downloaded under its new name: every byte of the file arrives.
    const listed = (await (await page.request.get('/api/loras?favourite=true')).json()) as LoraEntryList;
    const entry = listed.items.find((l) => l.name === `${NAME} keeper`)!;
    expect(entry).toMatchObject({ notes: 'Good at strength 0.9', favourite: true, mostTrained: true });
    const [download] = await Promise.all([page.waitForEvent('download'), renamed.getByRole('link', { name: `Download ${NAME} keeper` }).click()]);
    expect(download.suggestedFilename()).toBe('models-subject-keeper.safetensors');
    const bytes = await readFile((await download.path())!);
    expect(bytes.length).toBe(entry.sizeBytes);
    expect(bytes.length).toBeGreaterThan(8);

    // Deleted, after being told what it affects; gone from both pages.
    await loras.button(renamed, `Delete ${NAME} keeper`).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${NAME} keeper?` });
    await dialog.getByText('No picture was made with it.').waitFor();
    await dialog.getByText(new RegExp(`It is ${NAME}’s newest trained model`)).waitFor();
    await capture(page, 'lora-delete');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await renamed.waitFor({ state: 'detached' });
    await page.getByText('No trained model matches these filters.').waitFor();
    expect((await page.request.get(entry.downloadUrl)).status()).toBe(404);

    await shell.link(/^Runs$/).click();
    await runs.character.selectOption({ label: NAME });
    await runs.rowsOf(NAME).getByText('None', { exact: true }).waitFor();

    expectNoProblems(session);
  });
});
