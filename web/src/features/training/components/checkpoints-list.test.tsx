import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildCheckpoint, buildLora, buildTrainingRun, trainingAt } from '../../../testing/fixtures/trainings';
import { db } from '../../../testing/msw/db';
import { apiError } from '../../../testing/msw/responses';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { loraKeys } from '../../../lib/queries/loras';
import { CheckpointsList } from './checkpoints-list';

function setup() {
  const character = buildCharacter({ name: 'Subject One', triggerWord: 'subjone_x1' });
  const first = buildLora({ characterId: character.id, name: 'Subject One v1' });
  const run = { ...trainingAt(buildTrainingRun({ characterId: character.id }), 100), status: 'completed' as const, phase: 'done' as const, lastCheckpointStep: 100 };
  db.characters = [character];
  db.trainingRuns = [run];
  db.loras = [first];
  db.checkpoints[run.id] = [
    buildCheckpoint(run.id, { step: 50, kept: true }),
    buildCheckpoint(run.id, { step: 75, recommended: true, likeness: { step: 75, mean: 0.9512, recognisable: 4, samples: 5, copies: 0 } }),
    buildCheckpoint(run.id, { step: 100, final: true, loraId: first.id, likeness: { step: 100, mean: 0.97, recognisable: 5, samples: 5, copies: 2 } }),
  ];
  const user = userEvent.setup();
  const view = renderWithProviders(<CheckpointsList runId={run.id} characterId={character.id} lastCheckpointStep={100} />);
  return { character, run, first, user, ...view };
}

const rows = async () => within(await screen.findByRole('region', { name: 'Checkpoints' })).getAllByRole('listitem');

describe('The checkpoints of a run', () => {
  it('lists each checkpoint to download, marks the kept ones and those already made a model', async () => {
    const { run, first } = setup();
    const [step50, step75, final] = await rows();

    expect(within(step50!).getByText('Step 50')).toBeTruthy();
    expect(within(step50!).getByText('Saved on request · kept')).toBeTruthy();
    expect(within(step50!).getByRole('link', { name: 'Download the checkpoint at step 50' }).getAttribute('href')).toBe(
      `/api/trainings/${run.id}/checkpoints/50`,
    );
    expect(within(step50!).getByRole('button', { name: 'Use as a model (step 50)' })).toBeTruthy();

    expect(within(step75!).queryByText('Saved on request · kept')).toBeNull();
    expect(within(step50!).queryByText('Recommended')).toBeNull();

    expect(within(final!).getByText('Final')).toBeTruthy();
    expect(within(final!).getByRole('link', { name: 'Download the checkpoint (final)' }).getAttribute('href')).toBe(
      `/api/trainings/${run.id}/checkpoints/final`,
    );
    expect(within(final!).getByRole('link', { name: 'Generate with it (final)' }).getAttribute('href')).toBe(`/generate?lora=${first.id}`);
    expect(within(final!).queryByRole('button', { name: /Use as a model/ })).toBeNull();
  });

  it('marks the recommended checkpoint, says the likeness of each, and flags those that copy training photos', async () => {
    setup();
    const [step50, step75, final] = await rows();
    expect(within(step75!).getByText('Recommended')).toBeTruthy();
    expect(within(step75!).getByText('4 of 5 recognisable · mean likeness 0.95')).toBeTruthy();
    expect(within(step75!).queryByText('Copies training photos')).toBeNull();
    expect(within(final!).queryByText('Recommended')).toBeNull();
    expect(within(final!).getByText('5 of 5 recognisable · mean likeness 0.97')).toBeTruthy();
    expect(within(final!).getByText('Copies training photos')).toBeTruthy();
    // Not sampled: nothing to say.
    expect(step50!.textContent).not.toMatch(/recognisable/);
  });

  it('makes a checkpoint into a model, links to generate with it, and refreshes the character’s models', async () => {
    const { run, character, user, queryClient } = setup();
    queryClient.setQueryData(loraKeys.ofCharacter(character.id), { items: db.loras });
    const [step50] = await rows();

    await user.click(within(step50!).getByRole('button', { name: 'Use as a model (step 50)' }));

    await waitFor(() => expect(db.checkpointLoraRequests).toEqual([{ runId: run.id, which: '50' }]));
    const made = db.loras.find((l) => l.steps === 50)!;
    const region = screen.getByRole('region', { name: 'Checkpoints' });
    const note = await within(region).findByText(/is a model now/);
    expect(note.textContent).toBe('The checkpoint at step 50 is a model now: Subject One v2. Generate with Subject One v2');
    expect(within(region).getByRole('link', { name: 'Generate with Subject One v2' }).getAttribute('href')).toBe(`/generate?lora=${made.id}`);
    // The list is read again: the checkpoint now offers to generate with its model.
    expect((await within(region).findByRole('link', { name: 'Generate with it (step 50)' })).getAttribute('href')).toBe(
      `/generate?lora=${made.id}`,
    );
    expect(within(region).queryByRole('button', { name: 'Use as a model (step 50)' })).toBeNull();
    expect(queryClient.getQueryState(loraKeys.ofCharacter(character.id))?.isInvalidated).toBe(true);
  });

  it('says why a checkpoint could not be made into a model', async () => {
    server.use(
      http.post('/api/trainings/:id/checkpoints/:which/lora', () =>
        apiError(404, { code: 'not_found', message: 'Checkpoint was not found' }),
      ),
    );
    const { user } = setup();
    const [, step75] = await rows();
    await user.click(within(step75!).getByRole('button', { name: 'Use as a model (step 75)' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The checkpoint could not be made into a model. Checkpoint was not found',
    );
  });

  it('shows nothing while a run has no checkpoint', async () => {
    const character = buildCharacter();
    const run = buildTrainingRun({ characterId: character.id });
    db.trainingRuns = [run];
    let asked = false;
    server.use(
      http.get('/api/trainings/:id/checkpoints', () => {
        asked = true;
        return HttpResponse.json({ items: [] });
      }),
    );
    renderWithProviders(<CheckpointsList runId={run.id} characterId={character.id} lastCheckpointStep={null} />);
    await waitFor(() => expect(asked).toBe(true));
    expect(screen.queryByRole('region', { name: 'Checkpoints' })).toBeNull();
  });
});
