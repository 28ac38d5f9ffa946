import { expect, describe, it } from 'vitest';
import { capture, expectAccessible, expectNoProblems } from '../../harness/browser';
import { useBrowser } from '../../harness/fixture';
import { trainCharacter } from '../../flows/train-character';
import { ContinueDialog } from '../../pages/continue-dialog';

describe('Continue training (issue 24)', () => {
  const use = useBrowser();

  it('continues a finished run for two more saves as a new run that starts from its last step', async () => {
    const session = use();
    const { page } = session;

    // A short run: 100 steps, a checkpoint every 50.
    const { run, runPath } = await trainCharacter(page, 'Subject Continue', { photoSeed: 300, steps: 100, saveEvery: 50, sampleEvery: 50 });

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

    await page.waitForURL((url) => /\/trainings\/[0-9a-f-]+$/.test(url.pathname) && url.pathname !== runPath);
    await page.getByText(/Continued from/).waitFor();
    expect(await page.getByRole('link', { name: /^run [0-9a-f]{8}$/ }).getAttribute('href')).toBe(runPath);
    // It counts from step 100, never from 0.
    expect(await run.step()).toBeGreaterThanOrEqual(100);
    await run.waitForStatus(/Training completed/);
    expect(await run.step()).toBe(200);
    await run.timeline.getByText(/from its checkpoint at step 100/).waitFor();
    await capture(page, 'continued-run');
    expectNoProblems(session);
  });
});
