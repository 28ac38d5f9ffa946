import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { healthFastTest } from '../testing/fixtures/health';
import { db } from '../testing/msw/db';
import { server } from '../testing/msw/server';
import { renderApp } from '../testing/test-utils';

describe('App shell', () => {
  it('has real links for every section, with Video marked as in development', async () => {
    const user = userEvent.setup();
    const { router } = renderApp('/');

    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((link) => link.getAttribute('href'))).toEqual([
      '/characters',
      '/train',
      '/trainings',
      '/generate',
      '/gallery',
      '/video',
      '/loras',
      '/models',
    ]);
    // "/" leads to Characters.
    await waitFor(() => expect(within(nav).getByRole('link', { name: 'Characters' }).getAttribute('aria-current')).toBe('page'));

    const video = within(nav).getByRole('link', { name: /video/i });
    expect(video.textContent).toContain('In development');
    await user.click(video);
    expect(router.state.location.pathname).toBe('/video');
    expect(await screen.findByRole('heading', { level: 1, name: /video/i })).toBeTruthy();
    expect(screen.getByText(/nothing runs yet/i)).toBeTruthy();
    // The Video page starts nothing: no request but the shell's own.
    expect(db.generationRequests).toHaveLength(0);

    await user.click(within(nav).getByRole('link', { name: 'Train' }));
    expect((await screen.findByRole('link', { name: /create your characters/i })).getAttribute('href')).toBe('/characters');
  });

  it('links operators to the Temporal UI in a new tab, and shows the fast-test banner', async () => {
    server.use(http.get('/api/health', () => HttpResponse.json(healthFastTest)));
    renderApp('/characters');

    const temporal = await screen.findByRole('link', { name: /temporal ui/i });
    // Isengard's namespace, not the UI's default one.
    expect(temporal.getAttribute('href')).toBe('http://127.0.0.1:8233/namespaces/isengard/workflows');
    expect(temporal.getAttribute('target')).toBe('_blank');
    expect(temporal.getAttribute('rel')).toContain('noopener');
    expect(screen.getByText(/engines are simulated:/i)).toBeTruthy();
  });

  it('shows health checks and workers on the System page', async () => {
    renderApp('/system');

    const health = await screen.findByRole('region', { name: 'Health' });
    expect(await within(health).findByText('Embedded database (PGlite) answers')).toBeTruthy();
    const workers = screen.getByRole('region', { name: 'Workers' });
    expect(within(workers).getByRole('cell', { name: '202@gpu-host' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Run self-test' })).toBeTruthy();
    expect(await screen.findByText('DoRA training')).toBeTruthy();
  });

  it('answers an unknown address with a way back', async () => {
    renderApp('/no-such-page');

    expect(await screen.findByRole('heading', { level: 1, name: 'Page not found' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'characters' }).getAttribute('href')).toBe('/characters');
  });
});
