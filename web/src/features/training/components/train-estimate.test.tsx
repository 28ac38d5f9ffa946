import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { TrainingEstimate } from '../../../../../lib/contracts/training-estimate';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildPhoto } from '../../../testing/fixtures/photos';
import { db } from '../../../testing/msw/db';
import { server } from '../../../testing/msw/server';
import { renderApp } from '../../../testing/test-utils';
import { estimateSentence } from './train-estimate';

function setup() {
  const character = buildCharacter({ name: 'Estimated' });
  db.characters = [character];
  db.photos = Array.from({ length: 12 }, (_, i) => buildPhoto({ characterId: character.id, originalName: `p${i}.jpg` }));
  const queries: string[] = [];
  server.events.on('request:start', ({ request }) => {
    if (request.url.includes('/api/trainings/estimate')) queries.push(new URL(request.url).search);
  });
  return { user: userEvent.setup(), queries, ...renderApp(`/train?character=${character.id}`) };
}

const estimate = (over: Partial<TrainingEstimate>): TrainingEstimate => ({
  seconds: 2520,
  basis: 'measured',
  gpuName: 'NVIDIA H100 80GB HBM3',
  secondsPerStep: 1.1,
  samplingSeconds: 300,
  startupSeconds: 180,
  measuredRuns: 3,
  ...over,
});

describe('The duration estimate on the Train page', () => {
  it('says how long the chosen preset takes on this GPU, and follows the preset and the steps', { timeout: 20_000 }, async () => {
    const { user, queries } = setup();
    const line = await screen.findByTestId('train-estimate');
    // Balanced: 2000 steps at the fake API's 1.5 s, plus 600 s.
    await waitFor(() => expect(line.textContent).toContain('≈ 1 h on NVIDIA H100 80GB HBM3 (published speed of this GPU model)'));
    expect(line.textContent).toContain('2000 steps × 1.50 s');

    await user.click(screen.getByRole('radio', { name: /^Quick/ }));
    await waitFor(() => expect(line.textContent).toContain('≈ 35 min on NVIDIA H100 80GB HBM3'));

    await user.click(screen.getByRole('button', { name: 'Advanced settings' }));
    const steps = screen.getByRole('spinbutton', { name: 'Steps' });
    await user.clear(steps);
    await user.type(steps, '1400');
    await waitFor(() => expect(line.textContent).toContain('≈ 45 min'));
    expect(queries).toContain('?preset=quick&steps=1400');
    // A value the contract refuses is not asked about.
    const before = queries.length;
    await user.clear(steps);
    await user.type(steps, '20');
    expect(await screen.findByText('Steps must be at least 100')).toBeTruthy();
    expect(queries.slice(before).every((q) => q === '?preset=quick' || /steps=1/.test(q))).toBe(true);
  });

  it('says so when no GPU worker is connected', async () => {
    server.use(http.get('/api/trainings/estimate', () => HttpResponse.json(estimate({ seconds: null, basis: 'unknown', gpuName: null, secondsPerStep: null, samplingSeconds: null, startupSeconds: null, measuredRuns: 0 }))));
    setup();
    const line = await screen.findByTestId('train-estimate');
    await waitFor(() => expect(line.textContent).toBe('No GPU worker is connected, so the duration cannot be estimated yet.'));
  });

  it('words each basis', () => {
    expect(estimateSentence(estimate({}))).toBe('≈ 42 min on NVIDIA H100 80GB HBM3 (measured on this instance)');
    expect(estimateSentence(estimate({ basis: 'table', measuredRuns: 0 }))).toBe('≈ 42 min on NVIDIA H100 80GB HBM3 (published speed of this GPU model)');
    expect(estimateSentence(estimate({ seconds: null, basis: 'unknown', gpuName: 'Simulated GPU' }))).toBe(
      'No published speed for Simulated GPU: the duration is known after the first training on it.',
    );
  });
});
