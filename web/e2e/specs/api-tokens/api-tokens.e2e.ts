import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { AllInOneInstance, type AllInOne } from '../../../../test/helpers/all-in-one';
import { capture, expectNoProblems, launchBrowser, MOBILE, newSession } from '../../harness/browser';
import { ApiTokensCard } from '../../pages/api-tokens-card';

const PASSWORD = 'a password for the token pod';
const TOKEN_NAME = 'Nightly export script';
const HOOK_URL = 'http://127.0.0.1:9/hooks/nightly-export';

/**
 * A token is checked only where a login is required (on a loopback instance every request is served), so this
 * spec starts an instance of its own with AUTH=on, as the login spec does: a person logs in, makes a token on the
 * System page, a script uses it, and once revoked it is refused.
 */
describe('API tokens for scripts, made on the System page', () => {
  const instance = new AllInOneInstance();
  let running: AllInOne;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    await instance.prepare({ ISENGARD_MODE: 'fast-test', AUTH: 'on', ISENGARD_PASSWORD: PASSWORD, LOG_LEVEL: 'INFO', SHUTDOWN_GRACE_SECONDS: '3' });
    running = await instance.start();
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    if (running?.child.exitCode === null) {
      running.child.kill('SIGINT');
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([running.exited, new Promise((r) => (bound = setTimeout(r, 8_000)))]);
      clearTimeout(bound);
    }
    instance.cleanup();
  });

  it('creates a token whose secret a script can use, gives it a webhook, and revokes it', async () => {
    const session = await newSession(browser, instance.url);
    const { page } = session;
    await page.goto('/system');
    const password = page.getByLabel('Password');
    await password.fill(PASSWORD);
    await password.press('Enter');
    const tokens = new ApiTokensCard(page);
    await tokens.card.waitFor();

    // An empty form sends nothing: the reason is shown next to the field.
    const creations: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/auth/tokens') creations.push(request.url());
    });
    await tokens.create.click();
    await tokens.card.getByText('Name the token').waitFor();
    expect(creations).toEqual([]);

    await tokens.name.fill(TOKEN_NAME);
    await tokens.create.click();
    const secret = (await tokens.revealed('Token').textContent()) ?? '';
    expect(secret).toMatch(/^isg_[A-Za-z0-9_-]{20,}$/);
    await tokens.card.getByText('you will not see it again', { exact: false }).waitFor();
    await capture(page, 'system-api-token-created');

    // A script with the token is let in; without it, or minting tokens with it, it is not.
    const bearer = { Authorization: `Bearer ${secret}` };
    expect((await fetch(`${instance.url}/api/characters`)).status).toBe(401);
    expect((await fetch(`${instance.url}/api/characters`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${instance.url}/api/auth/tokens`, { headers: bearer })).status).toBe(403);

    await tokens.copiedIt.click();
    expect(await tokens.card.getByText(secret).count()).toBe(0);
    await page.reload();
    const row = tokens.token(TOKEN_NAME);
    // Created and last used (by the script just now).
    await row.locator('time').nth(1).waitFor();

    const webhook = await tokens.openWebhookForm(TOKEN_NAME);
    await webhook.getByRole('textbox', { name: 'Webhook URL' }).fill(HOOK_URL);
    await webhook.getByRole('button', { name: 'Generate' }).click();
    await webhook.getByRole('button', { name: 'Save webhook' }).click();
    const signingSecret = (await tokens.revealed('Signing secret').textContent()) ?? '';
    expect(signingSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await row.getByText(HOOK_URL, { exact: true }).waitFor();
    const listed = (await (await page.request.get('/api/auth/tokens')).json()) as { items: { name: string; webhookUrl: string | null }[] };
    expect(listed.items.find((t) => t.name === TOKEN_NAME)?.webhookUrl).toBe(HOOK_URL);

    // At phone width, with a secret shown, then with the webhook form open, nothing runs off the side of the page.
    const fitsWidth = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await page.setViewportSize(MOBILE);
    expect(await fitsWidth()).toBe(true);
    await capture(page, 'system-api-token-webhook-saved');
    await tokens.copiedIt.click();
    const again = await tokens.openWebhookForm(TOKEN_NAME);
    expect(await fitsWidth()).toBe(true);
    await again.getByRole('button', { name: 'Cancel' }).click();

    await row.getByRole('button', { name: `Revoke ${TOKEN_NAME}` }).click();
    await page.getByRole('dialog', { name: `Revoke the token “${TOKEN_NAME}”?` }).getByRole('button', { name: 'Revoke token' }).click();
    await tokens.card.getByText(`Revoked “${TOKEN_NAME}”`, { exact: false }).waitFor();
    await row.waitFor({ state: 'detached' });

    const refused = await fetch(`${instance.url}/api/characters`, { headers: bearer });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/revoked/);
    expectNoProblems(session);
    await session.close();
  });
});
