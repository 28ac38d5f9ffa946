import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { AllInOneInstance, type AllInOne } from '../../../../test/helpers/all-in-one';
import { capture, expectNoProblems, launchBrowser, newSession } from '../../harness/browser';
import { goodPhotos } from '../../fixtures/photos';
import { CharacterPage } from '../../pages/character-page';
import { CharactersPage } from '../../pages/characters-page';

/**
 * An instance reachable from other computers (AUTH=on stands in for a non-loopback HOST): the first visitor
 * chooses the admin password with the setup code from the terminal; every browser then logs in; nothing is served
 * without a session; changes carry the session's CSRF token.
 */
describe('Isengard reachable from other computers, in a browser', () => {
  const instance = new AllInOneInstance();
  let running: AllInOne;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    await instance.prepare({ ISENGARD_MODE: 'fast-test', AUTH: 'on', LOG_LEVEL: 'INFO', SHUTDOWN_GRACE_SECONDS: '3' });
    running = await instance.start();
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    if (running?.child.exitCode === null) {
      running.child.kill('SIGINT');
      // Waits for the exit itself; 8 s (3 s shutdown grace and margin) only bounds it: cleanup() kills what is left.
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([running.exited, new Promise((r) => (bound = setTimeout(r, 8_000)))]);
      clearTimeout(bound);
    }
    instance.cleanup();
  });

  it('sets the password on the first visit, then asks every browser for it', async () => {
    const code = /setup code ([0-9a-f]{12})/.exec(running.output())?.[1];
    expect(code, 'the setup code is printed in the terminal').toBeDefined();

    const first = await newSession(browser, instance.url);
    const { page } = first;
    await page.goto('/characters');
    await page.getByRole('heading', { level: 1, name: 'Choose the admin password' }).waitFor();
    await capture(page, 'setup');
    await page.getByLabel('Setup code').fill(code!);
    await page.getByLabel('New admin password').fill('a password for the pod');
    await page.getByLabel('The same password again').fill('a password for the pod');
    await page.getByRole('button', { name: 'Set the password and continue' }).click();

    // Changes go through: a character (fetch) and a photo (XMLHttpRequest), both with the CSRF token.
    const characters = new CharactersPage(page);
    await page.getByRole('heading', { level: 1, name: 'Characters' }).waitFor();
    await characters.createCharacter('Subject Three');
    await characters.open('Subject Three');
    const character = new CharacterPage(page);
    await character.uploadWithPicker(await goodPhotos(1, 200));
    expect(await character.waitForUploads()).toBe('Upload finished: 1 added.');
    const photoUrl = await character.photos.getByRole('img').first().getAttribute('src');

    // Without the session cookie, neither data nor files.
    expect((await fetch(`${instance.url}/api/characters`)).status).toBe(401);
    expect((await fetch(new URL(photoUrl!, instance.url))).status).toBe(401);
    expect(await (await fetch(`${instance.url}/api/health`)).json()).toEqual({ status: expect.any(String) });

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    expectNoProblems(first);
    await first.close();

    // Another browser: the login, a wrong password explained, then the pages.
    const second = await newSession(browser, instance.url);
    second.allow((response) => response.status() === 401 && response.url().endsWith('/api/auth/login'));
    await second.page.goto('/gallery');
    const password = second.page.getByLabel('Password');
    await password.fill('not the password');
    await password.press('Enter');
    await second.page.getByText('Wrong password').waitFor();
    await capture(second.page, 'login');
    await password.fill('a password for the pod');
    await password.press('Enter');
    await second.page.getByRole('heading', { level: 1, name: 'Gallery' }).waitFor();
    expectNoProblems(second);
    await second.close();
  });
});
