import type { Page } from 'playwright-core';
import { goodPhotos } from '../fixtures/photos';
import { CharacterPage } from '../pages/character-page';
import { CharactersPage } from '../pages/characters-page';
import { RunPage } from '../pages/run-page';
import { TrainPage } from '../pages/train-page';

export interface TrainCharacterOptions {
  /** The first seed of the generated photos (specs use different ones, so no two characters share a photo). */
  photoSeed: number;
  /** How many good photos to upload (10: no few-photos confirmation). */
  photos?: number;
  /** The preset to pick; the Train page's default when not given. */
  preset?: 'Quick' | 'Balanced' | 'High quality';
  steps?: number;
  saveEvery?: number;
  sampleEvery?: number;
}

/**
 * A character trained to the end, through the screens as a person does it: created, given photos (the checks in the
 * background decide when it is ready), a short run started from the Train page and followed on its page until it
 * completed. The page is left on the finished run. For specs whose subject comes after a training; the journey walks
 * these screens itself, with its own assertions.
 */
export async function trainCharacter(page: Page, name: string, options: TrainCharacterOptions): Promise<{ run: RunPage; runPath: string }> {
  const characters = new CharactersPage(page);
  const character = new CharacterPage(page);
  await characters.goto();
  await characters.createCharacter(name);
  await characters.open(name);
  await character.uploadWithPicker(await goodPhotos(options.photos ?? 10, options.photoSeed));
  await character.waitForUploads();
  await character.readiness.getByText(/ready to train/).waitFor({ timeout: 180_000 });

  await character.trainLink.click();
  const train = new TrainPage(page);
  await page.getByRole('heading', { level: 1, name: 'Train' }).waitFor();
  if (options.preset) await train.preset(options.preset).check();
  await train.shortRun(options.steps ?? 100, { saveEvery: options.saveEvery ?? 50, sampleEvery: options.sampleEvery ?? 50 });
  await train.start.click();
  await page.waitForURL(/\/trainings\/[0-9a-f-]+$/);
  const runPath = new URL(page.url()).pathname;
  const run = new RunPage(page);
  await run.waitForStatus(/Training completed/);
  return { run, runPath };
}
