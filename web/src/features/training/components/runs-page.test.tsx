import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { TrainingRunSummary } from '../../../../../lib/contracts/training';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { db } from '../../../testing/msw/db';
import { server } from '../../../testing/msw/server';
import { renderApp } from '../../../testing/test-utils';

const ada = buildCharacter({ name: 'Ada Runs' });
const bob = buildCharacter({ name: 'Bob Runs' });

function summary(overrides: Partial<TrainingRunSummary> & Pick<TrainingRunSummary, 'id'>): TrainingRunSummary {
  return {
    characterId: ada.id,
    characterName: ada.name,
    preset: 'balanced',
    status: 'completed',
    phase: 'done',
    step: 1000,
    totalSteps: 1000,
    stopRequestedAt: null,
    error: null,
    createdAt: '2026-02-01T10:00:00.000Z',
    startedAt: '2026-02-01T10:00:00.000Z',
    finishedAt: '2026-02-01T10:25:00.000Z',
    durationSeconds: 1500,
    lora: null,
    ...overrides,
  };
}

const runs = [
  summary({ id: '00000000-0000-4000-8000-000000000003', status: 'running', step: 120, durationSeconds: 45, finishedAt: null }),
  summary({
    id: '00000000-0000-4000-8000-000000000002',
    characterId: bob.id,
    characterName: bob.name,
    preset: 'quick',
    status: 'stopped',
    step: 400,
    lora: { id: '00000000-0000-4000-8000-0000000000b1', name: 'Bob Runs v1', version: 1, steps: 400, recommended: false },
  }),
  summary({
    id: '00000000-0000-4000-8000-000000000001',
    lora: { id: '00000000-0000-4000-8000-0000000000a1', name: 'Ada Runs v1', version: 1, steps: 800, recommended: true },
  }),
];

/** The fake API's list: filters as the real one, two runs a page; every query it was asked is kept. */
function serveRuns(): URLSearchParams[] {
  const asked: URLSearchParams[] = [];
  server.use(
    http.get('/api/trainings', ({ request }) => {
      const query = new URL(request.url).searchParams;
      asked.push(query);
      const matching = runs.filter(
        (r) =>
          (!query.get('status') || r.status === query.get('status')) &&
          (!query.get('characterId') || r.characterId === query.get('characterId')) &&
          (!query.get('preset') || r.preset === query.get('preset')),
      );
      const start = query.get('cursor') ? Number(query.get('cursor')) : 0;
      const next = start + 2 < matching.length ? String(start + 2) : null;
      return HttpResponse.json({ items: matching.slice(start, start + 2), nextCursor: next });
    }),
  );
  return asked;
}

const table = () => screen.findByRole('table', { name: 'Training runs, newest first' });

describe('Training runs page', () => {
  it('lists every run with its status, preset, steps, duration and LoRA, and loads older runs on request', async () => {
    db.characters = [ada, bob];
    serveRuns();
    const user = userEvent.setup();
    renderApp('/trainings');

    const rows = within(await table()).getAllByRole('row');
    expect(rows).toHaveLength(3);
    const running = within(rows[1]!);
    expect(running.getByRole('rowheader').textContent).toBe('Ada Runs');
    expect(running.getByText('Running')).toBeTruthy();
    expect(running.getByText('120 of 1000')).toBeTruthy();
    expect(running.getByText('45 s')).toBeTruthy();
    expect(running.getByRole('link', { name: /^Open/ }).getAttribute('href')).toBe(`/trainings/${runs[0]!.id}`);
    const stopped = within(rows[2]!);
    expect(stopped.getByText('Stopped')).toBeTruthy();
    expect(stopped.getByText('Quick')).toBeTruthy();
    expect(stopped.getByText('25 min')).toBeTruthy();
    expect(stopped.getByRole('link', { name: 'Bob Runs v1' }).getAttribute('href')).toBe(`/loras?character=${bob.id}#lora-${runs[1]!.lora!.id}`);

    await user.click(screen.getByRole('button', { name: 'Show older runs' }));
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Training runs, newest first' })).getAllByRole('row')).toHaveLength(4));
    const oldest = within(within(screen.getByRole('table', { name: 'Training runs, newest first' })).getAllByRole('row')[3]!);
    expect(oldest.getByRole('link', { name: 'Ada Runs v1' })).toBeTruthy();
    expect(oldest.getByText('Recommended')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Show older runs' })).toBeNull();
  });

  it('filters by status, character and preset, with the filters in the address', async () => {
    db.characters = [ada, bob];
    const asked = serveRuns();
    const user = userEvent.setup();
    const { router } = renderApp(`/trainings?character=${bob.id}`);

    const rows = within(await table()).getAllByRole('row');
    expect(rows).toHaveLength(2);
    expect(asked.at(-1)?.get('characterId')).toBe(bob.id);
    expect((screen.getByRole('combobox', { name: 'Character' }) as HTMLSelectElement).value).toBe(bob.id);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'Completed');
    expect(await screen.findByText('No run matches these filters.')).toBeTruthy();
    expect(new URLSearchParams(router.state.location.search).get('status')).toBe('completed');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Character' }), 'All characters');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Preset' }), 'Balanced');
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Training runs, newest first' })).getAllByRole('row')).toHaveLength(2));
    expect(Object.fromEntries(asked.at(-1)!)).toEqual({ limit: '25', status: 'completed', preset: 'balanced' });
    expect(router.state.location.search).toBe('?status=completed&preset=balanced');
  });

  it('invites a first training when there is none, and is in the navigation', async () => {
    serveRuns();
    server.use(http.get('/api/trainings', () => HttpResponse.json({ items: [], nextCursor: null })));
    renderApp('/trainings');
    expect(await screen.findByText('No training yet')).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Runs' }).getAttribute('aria-current')).toBe('page');
  });
});
