import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Health } from '../../../../../lib/contracts/health';
import { healthDegraded, healthDown, healthFastTest, healthOk } from '../../../testing/fixtures/health';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { healthQueryOptions } from '../api/get-health';
import { HealthBanner } from './health-banner';
import { ModeBanner } from './mode-banner';

function serveHealth(health: Health) {
  server.use(http.get('/api/health', () => HttpResponse.json(health, { status: health.status === 'down' ? 503 : 200 })));
}

describe('HealthBanner', () => {
  it('explains a degraded system with the failing checks in plain words', async () => {
    serveHealth(healthDegraded);
    renderWithProviders(<HealthBanner />);

    const banner = await screen.findByRole('status');
    expect(banner.textContent).toMatch(/part of it needs attention/i);
    expect(banner.textContent).toContain('Workers: No GPU worker polls isengard-gpu: jobs will wait until one starts');
    expect(banner.textContent).toContain('Training and image engines: No running GPU worker has reported its engines');
    // Checks that pass are not listed.
    expect(banner.textContent).not.toContain('Database');
  });

  it('raises an alert when the system is down (503)', async () => {
    serveHealth(healthDown);
    renderWithProviders(<HealthBanner />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Isengard is not working right now/);
    expect(alert.textContent).toContain('Database: The database does not answer: connection refused');
    expect(alert.textContent).not.toContain('Workers');
  });

  it('says when the server cannot be reached at all', async () => {
    server.use(http.get('/api/health', () => HttpResponse.error()));
    renderWithProviders(<HealthBanner />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/cannot reach the Isengard server/i);
    expect(screen.getByRole('button', { name: 'Check again' })).toBeTruthy();
  });

  it('shows nothing when everything works', async () => {
    serveHealth(healthOk);
    const { queryClient } = renderWithProviders(<HealthBanner />);

    await waitFor(() => expect(queryClient.getQueryState(healthQueryOptions().queryKey)?.status).toBe('success'));
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('ModeBanner', () => {
  it('says that engines are simulated in fast-test mode', async () => {
    serveHealth(healthFastTest);
    renderWithProviders(<ModeBanner />);

    expect(await screen.findByText(/engines are simulated:/i)).toBeTruthy();
  });
});
