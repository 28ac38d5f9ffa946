import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Health } from '../../../../../lib/contracts/health';
import { healthOk } from '../../../testing/fixtures/health';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { healthQueryOptions } from '../api/get-health';
import { TemporalUiLink } from './temporal-ui-link';

function serveHealth(health: Health) {
  server.use(http.get('/api/health', () => HttpResponse.json(health)));
}

describe('TemporalUiLink', () => {
  it('opens the Temporal UI on Isengard’s namespace, in a new tab', async () => {
    serveHealth({ ...healthOk, temporalUiUrl: 'https://temporal.example.com/', temporalNamespace: 'isengard-prod' });
    renderWithProviders(<TemporalUiLink />);

    const link = await screen.findByRole('link', { name: /Temporal UI/ });
    expect(link.getAttribute('href')).toBe('https://temporal.example.com/namespaces/isengard-prod/workflows');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.textContent).toContain('(opens in a new tab)');
  });

  it('is left out when the Temporal UI’s address is unknown', async () => {
    serveHealth({ ...healthOk, temporalUiUrl: null });
    const { queryClient } = renderWithProviders(<TemporalUiLink />);

    await waitFor(() => expect(queryClient.getQueryState(healthQueryOptions().queryKey)?.status).toBe('success'));
    expect(screen.queryByRole('link')).toBeNull();
  });
});
