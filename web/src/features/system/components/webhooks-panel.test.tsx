import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../../../../lib/contracts/webhooks';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { WebhooksPanel } from './webhooks-panel';

const delivery = (overrides: Partial<WebhookDelivery>): WebhookDelivery => ({
  id: 'whd_00000000000000000000000000000001',
  event: 'training.finished',
  endpoint: 'settings',
  targetHost: 'hooks.example.com',
  jobId: '3f2b8c1e-5d4a-4f6b-9c7d-2e1a0b9f8c7d',
  status: 'delivered',
  attempts: 1,
  lastError: null,
  responseCode: 204,
  createdAt: '2026-01-15T10:00:00.000Z',
  lastAttemptAt: '2026-01-15T10:00:01.000Z',
  deliveredAt: '2026-01-15T10:00:01.000Z',
  ...overrides,
});

describe('WebhooksPanel', () => {
  it('lists deliveries with their status, attempts and last error, and redelivers one', async () => {
    const redelivered: string[] = [];
    server.use(
      http.get('/api/webhooks/settings', () => HttpResponse.json({ webhook: { url: 'https://hooks.example.com/isengard', hasSecret: true } })),
      http.get('/api/webhooks/deliveries', () =>
        HttpResponse.json({
          items: [
            delivery({ id: 'whd_00000000000000000000000000000002', event: 'generation.failed', status: 'retrying', attempts: 3, lastError: 'Answered 503', responseCode: 503 }),
            delivery({}),
          ],
        }),
      ),
      http.post('/api/webhooks/deliveries/:id/redeliver', ({ params }) => {
        redelivered.push(String(params.id));
        return HttpResponse.json({ id: params.id, status: 'pending' }, { status: 202 });
      }),
    );
    const user = userEvent.setup();
    renderWithProviders(<WebhooksPanel />);

    const rows = await screen.findAllByRole('row');
    const retrying = rows.find((row) => row.getAttribute('data-delivery-id')?.endsWith('2'))!;
    expect(within(retrying).getByText('Retrying')).toBeTruthy();
    expect(within(retrying).getByText('Answered 503')).toBeTruthy();
    expect(within(retrying).queryByRole('button')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Redeliver training.finished' }));
    await expect.poll(() => redelivered).toEqual(['whd_00000000000000000000000000000001']);
    expect((screen.getByLabelText('URL') as HTMLInputElement).value).toBe('https://hooks.example.com/isengard');
  });

  it('saves the instance webhook with its secret, and shows the API refusal in words', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.get('/api/webhooks/settings', () => HttpResponse.json({ webhook: null })),
      http.get('/api/webhooks/deliveries', () => HttpResponse.json({ items: [] })),
      http.put('/api/webhooks/settings', async ({ request }) => {
        const body = (await request.json()) as { url: string; secret?: string };
        bodies.push(body);
        if (!body.secret) {
          return HttpResponse.json({ error: { code: 'validation_failed', message: 'Invalid request body: secret: a new webhook needs a secret to sign its calls with' } }, { status: 400 });
        }
        return HttpResponse.json({ webhook: { url: body.url, hasSecret: true } });
      }),
    );
    const user = userEvent.setup();
    renderWithProviders(<WebhooksPanel />);
    expect(await screen.findByText('No webhook calls yet.')).toBeTruthy();

    await user.type(screen.getByLabelText('URL'), 'http://127.0.0.1:9000/hook');
    await user.click(screen.getByRole('button', { name: 'Save webhook' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/needs a secret/);

    await user.type(screen.getByLabelText(/Secret/), 'a-secret-long-enough');
    await user.click(screen.getByRole('button', { name: 'Save webhook' }));
    expect(await screen.findByRole('button', { name: 'Remove' })).toBeTruthy();
    expect(bodies).toEqual([{ url: 'http://127.0.0.1:9000/hook' }, { url: 'http://127.0.0.1:9000/hook', secret: 'a-secret-long-enough' }]);
  });
});
