import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../../../lib/contracts/training';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildCheckpoint, buildTrainingRun, trainingAt } from '../../../testing/fixtures/trainings';
import { db } from '../../../testing/msw/db';
import { apiError } from '../../../testing/msw/responses';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { trainingKeys } from '../api/training-keys';
import { jobStateOf } from '../state/run-state';
import { ContinueAction } from './continue-action';

function setup(status: TrainingRun['status'], checkpointSteps: number[]) {
  const character = buildCharacter({ name: 'Subject One' });
  const base = trainingAt(buildTrainingRun({ characterId: character.id, totalSteps: 1000 }), 1000);
  const run: TrainingRun = { ...base, status, phase: status === 'running' ? 'training' : 'done', lastCheckpointStep: checkpointSteps.at(-1) ?? null };
  db.characters = [character];
  db.trainingRuns = [run];
  db.checkpoints[run.id] = checkpointSteps.map((step, i) => buildCheckpoint(run.id, { step, final: i === checkpointSteps.length - 1 && status === 'completed' }));
  const sent: unknown[] = [];
  const next = buildTrainingRun({ characterId: character.id, totalSteps: 1200, step: 1000, continuedFrom: { runId: run.id, step: 1000 } });
  server.use(
    http.post('/api/trainings/:id/continue', async ({ request }) => {
      sent.push(await request.json());
      return HttpResponse.json(next, { status: 202 });
    }),
  );
  const user = userEvent.setup();
  const view = renderWithProviders(<ContinueAction run={run} jobState={jobStateOf(run)} />);
  return { run, next, sent, user, ...view };
}

async function openDialog(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Continue training' }));
  return screen.getByRole('dialog', { name: 'Continue training' });
}

describe('Continue training', () => {
  it('shows the settings (those a resume cannot change read-only, with why), adds steps, and opens the new run', async () => {
    const { sent, next, user, router } = setup('completed', [500, 750, 1000]);
    const dialog = await openDialog(user);
    expect(within(dialog).getByText(/picks up this one’s last checkpoint, at step 1000/)).toBeTruthy();
    expect(within(dialog).getByText(/a different rank would resize the trained weights/)).toBeTruthy();
    expect(within(dialog).queryByRole('spinbutton', { name: /Rank/ })).toBeNull();

    const steps = within(dialog).getByRole('spinbutton', { name: 'Steps to add' });
    await user.clear(steps);
    await user.type(steps, '200');
    expect(await within(dialog).findByText(/trains on from there to step 1200/)).toBeTruthy();
    const rate = within(dialog).getByRole('spinbutton', { name: 'Learning rate' });
    await user.clear(rate);
    await user.type(rate, '0.0002');
    await user.click(within(dialog).getByRole('button', { name: 'Start' }));

    await waitFor(() => expect(router.state.location.pathname).toBe(`/trainings/${next.id}`));
    expect(sent).toEqual([{ additionalSteps: 200, settings: { learningRate: 0.0002, saveEvery: 250, sampleEvery: 250 } }]);
  });

  it('says what is wrong with the steps before sending anything', async () => {
    const { sent, user } = setup('stopped', [600]);
    const dialog = await openDialog(user);
    const steps = within(dialog).getByRole('spinbutton', { name: 'Steps to add' });
    await user.clear(steps);
    await user.type(steps, '10');
    await user.click(within(dialog).getByRole('button', { name: 'Start' }));
    expect(await within(dialog).findByText('Add at least 50 steps')).toBeTruthy();
    await user.clear(steps);
    await user.type(steps, '9500');
    await user.click(within(dialog).getByRole('button', { name: 'Start' }));
    expect(await within(dialog).findByText(/add at most 9400/)).toBeTruthy();
    expect(sent).toEqual([]);
  });

  it('shows why the server refused', async () => {
    const { user } = setup('stopped', [600]);
    server.use(http.post('/api/trainings/:id/continue', () => apiError(409, { code: 'conflict', message: 'Subject One is already training (run 1234)' })));
    const dialog = await openDialog(user);
    await user.click(within(dialog).getByRole('button', { name: 'Start' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('Subject One is already training (run 1234)');
  });

  it.each([
    ['while the run trains', 'running', [500]],
    ['for a run that stopped before its first checkpoint', 'stopped', []],
  ] as const)('is not offered %s', async (_, status, steps) => {
    const { run, queryClient } = setup(status, [...steps]);
    // Once its checkpoints have been read, nothing appears.
    await waitFor(() => expect(queryClient.getQueryCache().findAll({ queryKey: trainingKeys.checkpoints(run.id) })[0]?.state.status).toBe('success'));
    expect(screen.queryByRole('button', { name: 'Continue training' })).toBeNull();
  });
});
