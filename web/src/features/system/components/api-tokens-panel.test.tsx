import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { tokenInput, type ApiToken } from '../../../../../lib/contracts/auth';
import { webhookInput } from '../../../../../lib/contracts/webhooks';
import { apiError, notFound, validationFailed } from '../../../testing/msw/responses';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { ApiTokensPanel } from './api-tokens-panel';

const SECRET_TOKEN = 'isg_Zq3v9LmT0aB4cD5eF6gH7iJ8kL9mN0pQ1rS2tU3';

const existingToken = (overrides: Partial<ApiToken> = {}): ApiToken => ({
  id: crypto.randomUUID(),
  name: 'nightly backup',
  prefix: 'isg_Ab12Cd',
  createdAt: '2026-01-15T10:00:00.000Z',
  lastUsedAt: '2026-01-16T08:30:00.000Z',
  expiresAt: null,
  webhookUrl: null,
  ...overrides,
});

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** The token routes as api/routes/auth.ts answers them, over an in-memory list; every change is recorded. */
function serveTokens(initial: ApiToken[] = []) {
  const tokens = [...initial];
  const withSecret = new Set<string>();
  const changes: Call[] = [];
  const find = (id: unknown) => tokens.find((t) => t.id === id);
  server.use(
    http.get('/api/auth/tokens', () => HttpResponse.json({ items: tokens })),
    http.post('/api/auth/tokens', async ({ request }) => {
      const body = await request.json();
      changes.push({ method: 'POST', path: '/tokens', body });
      const parsed = tokenInput.safeParse(body);
      if (!parsed.success) return validationFailed(parsed.error.issues);
      const { name, expiresInDays, webhook } = parsed.data;
      const created = existingToken({
        name,
        prefix: SECRET_TOKEN.slice(0, 10),
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
        expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000).toISOString() : null,
        webhookUrl: webhook?.url ?? null,
      });
      if (webhook) withSecret.add(created.id);
      tokens.unshift(created);
      return HttpResponse.json({ ...created, token: SECRET_TOKEN }, { status: 201 });
    }),
    http.put('/api/auth/tokens/:id/webhook', async ({ params, request }) => {
      const body = await request.json();
      changes.push({ method: 'PUT', path: `/tokens/${String(params.id)}/webhook`, body });
      const token = find(params.id);
      if (!token) return notFound('API token');
      const parsed = webhookInput.safeParse(body);
      if (!parsed.success) return validationFailed(parsed.error.issues);
      if (!parsed.data.secret && !withSecret.has(token.id)) {
        const message = 'a new webhook needs a secret to sign its calls with';
        return apiError(400, { code: 'validation_failed', message: `Invalid request body: secret: ${message}`, details: [{ field: 'secret', message }] });
      }
      withSecret.add(token.id);
      token.webhookUrl = parsed.data.url;
      return HttpResponse.json({ url: parsed.data.url, hasSecret: true });
    }),
    http.delete('/api/auth/tokens/:id/webhook', ({ params }) => {
      changes.push({ method: 'DELETE', path: `/tokens/${String(params.id)}/webhook` });
      const token = find(params.id);
      if (!token) return notFound('API token');
      token.webhookUrl = null;
      withSecret.delete(token.id);
      return new HttpResponse(null, { status: 204 });
    }),
    http.delete('/api/auth/tokens/:id', ({ params }) => {
      changes.push({ method: 'DELETE', path: `/tokens/${String(params.id)}` });
      const index = tokens.findIndex((t) => t.id === params.id);
      if (index < 0) return notFound('API token');
      tokens.splice(index, 1);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return { tokens, changes };
}

const panel = () => screen.getByRole('region', { name: 'API tokens' });
const tokenRow = async (name: string) => (await within(panel()).findByText(name, { selector: '.api-token-name' })).closest('li')!;

describe('ApiTokensPanel', () => {
  it('sends nothing for an empty form and shows why next to the field', async () => {
    const api = serveTokens();
    const user = userEvent.setup();
    renderWithProviders(<ApiTokensPanel loginRequired={true} />);
    expect(await screen.findByText('No API tokens yet.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const name = screen.getByLabelText('Name');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Name the token')).toBeTruthy();
    expect(document.activeElement).toBe(name);

    // Half a webhook is refused too, on the half that is missing.
    await user.type(name, 'deploy script');
    await user.type(screen.getByLabelText(/Webhook URL/), 'http://127.0.0.1:9000/hooks');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(screen.getByText('A webhook secret needs at least 16 characters')).toBeTruthy();
    expect(screen.getByLabelText(/Signing secret/).getAttribute('aria-invalid')).toBe('true');
    expect(api.changes).toEqual([]);
  });

  it('creates a token with a generated webhook secret, shows both once with copy buttons, then lists the token', async () => {
    const api = serveTokens();
    const user = userEvent.setup();
    renderWithProviders(<ApiTokensPanel loginRequired={true} />);
    await screen.findByText('No API tokens yet.');

    await user.type(screen.getByLabelText('Name'), 'deploy script');
    await user.selectOptions(screen.getByLabelText('Expires'), '90 days');
    await user.type(screen.getByLabelText(/Webhook URL/), 'http://127.0.0.1:9000/hooks');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    const generated = (screen.getByLabelText(/Signing secret/) as HTMLInputElement).value;
    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await user.click(screen.getByRole('button', { name: 'Create token' }));

    const reveal = await screen.findByRole('group', { name: 'Token “deploy script” created' });
    expect(within(reveal).getByText(/you will not see it again/)).toBeTruthy();
    expect(within(reveal).getByText(SECRET_TOKEN)).toBeTruthy();
    expect(within(reveal).getByText(generated)).toBeTruthy();
    expect(document.activeElement).toBe(within(reveal).getByRole('heading'));
    await user.click(within(reveal).getByRole('button', { name: 'Copy token' }));
    expect(await navigator.clipboard.readText()).toBe(SECRET_TOKEN);
    expect(within(reveal).getByText('Copied')).toBeTruthy();
    expect(api.changes).toEqual([
      { method: 'POST', path: '/tokens', body: { name: 'deploy script', expiresInDays: 90, webhook: { url: 'http://127.0.0.1:9000/hooks', secret: generated } } },
    ]);

    const row = await tokenRow('deploy script');
    expect(within(row).getByText('http://127.0.0.1:9000/hooks')).toBeTruthy();
    expect(within(row).getByText('Never')).toBeTruthy();

    await user.click(within(reveal).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByText(SECRET_TOKEN)).toBeNull();
    expect(screen.queryByText(generated)).toBeNull();
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
  });

  it("shows the API's refusal next to the field it is about", async () => {
    serveTokens();
    server.use(
      http.post('/api/auth/tokens', () =>
        apiError(400, {
          code: 'validation_failed',
          message: 'Invalid request body: webhook.url: The webhook URL must be an http:// or https:// address',
          details: [{ field: 'webhook.url', message: 'The webhook URL must be an http:// or https:// address' }],
        }),
      ),
    );
    const user = userEvent.setup();
    renderWithProviders(<ApiTokensPanel loginRequired={true} />);
    await screen.findByText('No API tokens yet.');

    await user.type(screen.getByLabelText('Name'), 'deploy script');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const url = screen.getByLabelText(/Webhook URL/);
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText('The webhook URL must be an http:// or https:// address')).toBeTruthy();
    expect(document.activeElement).toBe(url);
  });

  it("sets a token's webhook (its new secret shown once), changes it keeping the secret, and removes it", async () => {
    const token = existingToken();
    const api = serveTokens([token]);
    const user = userEvent.setup();
    renderWithProviders(<ApiTokensPanel loginRequired={true} />);
    const row = await tokenRow('nightly backup');
    expect(within(row).getByText('None')).toBeTruthy();

    await user.click(within(row).getByRole('button', { name: 'Set webhook of nightly backup' }));
    const form = within(row).getByRole('form', { name: 'Webhook of nightly backup' });
    await user.type(within(form).getByLabelText('Webhook URL'), 'https://hooks.example.com/backup');
    await user.click(within(form).getByRole('button', { name: 'Save webhook' }));
    expect(within(form).getByText(/A new webhook needs a secret/)).toBeTruthy();
    expect(api.changes).toEqual([]);

    await user.type(within(form).getByLabelText(/Signing secret/), 'a-secret-long-enough');
    await user.click(within(form).getByRole('button', { name: 'Save webhook' }));
    const reveal = await within(row).findByRole('group', { name: 'Webhook of “nightly backup” saved' });
    expect(within(reveal).getByText('a-secret-long-enough')).toBeTruthy();
    await within(row).findByText('https://hooks.example.com/backup');
    await user.click(within(reveal).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByText('a-secret-long-enough')).toBeNull();
    expect(document.activeElement).toBe(within(row).getByRole('button', { name: 'Change webhook of nightly backup' }));

    await user.click(within(row).getByRole('button', { name: 'Change webhook of nightly backup' }));
    const change = within(row).getByRole('form', { name: 'Webhook of nightly backup' });
    const url = within(change).getByLabelText('Webhook URL');
    await user.clear(url);
    await user.type(url, 'https://hooks.example.com/backup-2');
    await user.click(within(change).getByRole('button', { name: 'Save webhook' }));
    expect(await within(row).findByText('Webhook saved; its secret stays as it was.')).toBeTruthy();
    await within(row).findByText('https://hooks.example.com/backup-2');

    await user.click(within(row).getByRole('button', { name: 'Change webhook of nightly backup' }));
    await user.click(within(row).getByRole('button', { name: 'Remove webhook' }));
    expect(await within(row).findByText('Webhook removed.')).toBeTruthy();
    await within(row).findByText('None');
    expect(api.changes).toEqual([
      { method: 'PUT', path: `/tokens/${token.id}/webhook`, body: { url: 'https://hooks.example.com/backup', secret: 'a-secret-long-enough' } },
      { method: 'PUT', path: `/tokens/${token.id}/webhook`, body: { url: 'https://hooks.example.com/backup-2' } },
      { method: 'DELETE', path: `/tokens/${token.id}/webhook` },
    ]);
  });

  it('revokes a token only after confirming, and says so', async () => {
    const keep = existingToken({ name: 'laptop', expiresAt: '2026-01-20T00:00:00.000Z' });
    const gone = existingToken({ name: 'old script', lastUsedAt: null });
    const api = serveTokens([gone, keep]);
    const user = userEvent.setup();
    renderWithProviders(<ApiTokensPanel loginRequired={true} />);
    const laptop = await tokenRow('laptop');
    expect(within(laptop).getByText('Expired', { selector: '.badge' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Revoke old script' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke the token “old script”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.changes).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Revoke old script' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Revoke token' }));
    expect(await screen.findByText('Revoked “old script”: scripts that send it are refused now.')).toBeTruthy();
    await waitFor(() => expect(screen.queryByText('old script', { selector: '.api-token-name' })).toBeNull());
    expect(screen.getByText('laptop', { selector: '.api-token-name' })).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Tokens' }));
    expect(api.changes).toEqual([{ method: 'DELETE', path: `/tokens/${gone.id}` }]);
  });

  it('says that a loopback instance needs no token, and not when a login is required', async () => {
    serveTokens();
    const { unmount } = renderWithProviders(<ApiTokensPanel loginRequired={false} />);
    expect(await screen.findByText(/scripts here work without a token/)).toBeTruthy();
    unmount();

    renderWithProviders(<ApiTokensPanel loginRequired={true} />);
    await screen.findByText('No API tokens yet.');
    expect(screen.queryByText(/scripts here work without a token/)).toBeNull();
  });
});
