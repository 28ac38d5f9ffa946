import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookPayload } from '../../../../lib/contracts/webhooks';
import { verifySignature } from '../../../../lib/webhooks/signature';
import { capture, expectAccessible, expectNoProblems } from '../../harness/browser';
import { useBrowser } from '../../harness/fixture';
import { poll } from '../../harness/poll';
import { GeneratePage } from '../../pages/generate-page';
import { SystemWebhooks } from '../../pages/system-page';

const SECRET = 'e2e-webhook-secret-0123456789';
const PROMPT = 'Webhook Subject lighthouse at dawn';

interface Call {
  signature: string;
  body: string;
  payload: WebhookPayload;
}

describe('a script hears of a job end through the instance webhook, set on the System page', () => {
  const use = useBrowser();
  const calls: Call[] = [];
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        calls.push({ signature: String(req.headers['isengard-signature']), body, payload: JSON.parse(body) as WebhookPayload });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('sets the webhook, gets one signed call for a generation, sees it delivered in the log and redelivers it', async () => {
    const session = use();
    const { page } = session;
    const webhooks = new SystemWebhooks(page);
    await webhooks.goto();
    await webhooks.url.fill(receiverUrl);
    await webhooks.secret.fill(SECRET);
    await webhooks.save.click();
    await webhooks.remove.waitFor();
    await expectAccessible(page, 'the webhooks card');

    const generate = new GeneratePage(page);
    await page.goto('/generate');
    await generate.prompt.fill(PROMPT);
    await generate.generate.click();
    await generate.waitForDone();

    const call = await poll(async () => calls.find((c) => c.payload.event === 'generation.completed'), 'the webhook call', 60_000);
    expect(verifySignature(SECRET, call.signature, call.body)).toBe(true);
    expect(call.payload.job).toMatchObject({ kind: 'generation', status: 'completed' });

    await webhooks.goto();
    const row = webhooks.delivery(call.payload.id);
    await row.getByText('Delivered').waitFor();
    await capture(page, 'system-webhooks');
    await row.getByRole('button', { name: /^Redeliver/ }).click();
    const again = await poll(async () => calls.filter((c) => c.payload.id === call.payload.id)[1], 'the redelivered call', 60_000);
    expect(again.body).toBe(call.body);

    // The other specs share this instance: its webhook goes again.
    await webhooks.remove.click();
    await webhooks.save.waitFor();
    expect(await webhooks.url.inputValue()).toBe('');
    expectNoProblems(session);
  });
});
