import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../../lib/contracts/training';
import { buildCharacter } from '../../testing/fixtures/characters';
import { buildTrainingRun, trainingAt } from '../../testing/fixtures/trainings';
import { FakeEventSource } from '../../testing/fake-event-source';
import { db } from '../../testing/msw/db';
import { server } from '../../testing/msw/server';
import { renderApp } from '../../testing/test-utils';

function setup(run: Partial<TrainingRun> = {}) {
  const character = buildCharacter({ name: 'Subject One', triggerWord: 'subjone_x1' });
  db.characters = [character];
  const queued = buildTrainingRun({ characterId: character.id, ...run });
  db.trainingRuns = [queued];
  const user = userEvent.setup();
  const view = renderApp(`/trainings/${queued.id}`);
  return { character, run: queued, user, ...view };
}

const progressbar = () => screen.getByRole('progressbar', { name: 'Training progress' });
const liveRegion = () => document.querySelector('[aria-live="polite"]')!;

async function openStream(run: TrainingRun) {
  await screen.findByRole('heading', { level: 1, name: /^Training Subject One/ });
  await waitFor(() => FakeEventSource.latest(`/api/trainings/${run.id}/events`));
  const stream = FakeEventSource.latest(`/api/trainings/${run.id}/events`);
  stream.open();
  return stream;
}

describe('A training run’s page', () => {
  it('follows the run live: phases, progress with step, speed and ETA, loss, samples, the end', async () => {
    const { run } = setup();
    const stream = await openStream(run);
    // Queued: the bar is indeterminate and says why.
    expect(progressbar().getAttribute('aria-valuenow')).toBeNull();
    expect(progressbar().getAttribute('aria-valuetext')).toBe('Training queued');

    stream.emit('training', { ...run, status: 'running', phase: 'waiting_for_gpu' }, '2');
    expect(document.querySelector('.run-status-line')?.textContent).toBe('Waiting for the GPU: it is busy with other work.');
    expect(liveRegion().textContent).toBe('Waiting for the GPU: it is busy with other work.');

    const at40 = {
      ...trainingAt(run, 40),
      events: [...run.events, { at: '2026-01-15T10:00:06.000Z', kind: 'gpu', message: 'Running on GPU worker gpu-0' }],
      samples: [{ id: '9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a', step: 25, promptIndex: 0, prompt: '[trigger], portrait photo', url: '/api/trainings/x/samples/1', likeness: null }],
    };
    stream.emit('training', at40, '3');
    expect(progressbar().getAttribute('aria-valuenow')).toBe('40');
    expect(progressbar().getAttribute('aria-valuetext')).toBe('Step 40 of 100');
    const stats = screen.getByRole('region', { name: 'Progress' });
    expect(within(stats).getByText('40 / 100')).toBeTruthy();
    expect(within(stats).getByText('2.50 it/s')).toBeTruthy();
    expect(within(stats).getByText('about 24 s')).toBeTruthy();
    expect(liveRegion().textContent).toBe('Training in progress.');
    // The loss as text next to the chart (a canvas says nothing to a screen reader).
    expect(await screen.findByText('Loss 0.270 at step 40 of 100; lowest so far 0.270.')).toBeTruthy();
    expect(screen.getByRole('img', { name: 'Sample at step 25: subjone_x1, portrait photo' })).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Timeline' })).getByText('Running on GPU worker gpu-0')).toBeTruthy();

    // A step tick is not announced.
    stream.emit('training', trainingAt(run, 41), '4');
    expect(liveRegion().textContent).toBe('Training in progress.');

    const loraId = '5a2f1e0c-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
    stream.emit('training', { ...trainingAt(run, 100), status: 'completed', phase: 'done', loraId }, '5');
    expect(liveRegion().textContent).toBe('Training completed.');
    expect(screen.getByRole('link', { name: 'Generate with this model' }).getAttribute('href')).toBe(`/generate?lora=${loraId}`);
    expect(screen.queryByRole('button', { name: 'Stop training' })).toBeNull();
    // A finished run needs no stream.
    expect(stream.closed).toBe(true);
  });

  it('says "reconnecting…" while the stream is down, and catches up when it is back', async () => {
    const { run } = setup({ status: 'running', phase: 'training', step: 10 });
    const stream = await openStream(run);
    stream.emit('training', trainingAt(run, 20), '7');

    stream.drop();
    expect(screen.getByText('Reconnecting…')).toBeTruthy();
    expect(screen.getByText(/the numbers below may be behind/)).toBeTruthy();
    expect(progressbar().getAttribute('aria-valuetext')).toBe('Step 20 of 100');

    // The browser reconnects by itself (with Last-Event-ID) and the server sends the current state.
    stream.open();
    stream.emit('training', trainingAt(run, 55), '9');
    expect(screen.queryByText('Reconnecting…')).toBeNull();
    expect(progressbar().getAttribute('aria-valuetext')).toBe('Step 55 of 100');
  });

  it('stops only after confirmation; the counter freezes at the click and "stopping" holds until the run ends', async () => {
    const { run, user } = setup({ status: 'running', phase: 'training' });
    const stream = await openStream(run);
    stream.emit('training', { ...trainingAt(run, 30), lastCheckpointStep: 25 }, '3');

    await user.click(screen.getByRole('button', { name: 'Stop training' }));
    const dialog = screen.getByRole('dialog', { name: 'Stop this training?' });
    expect(dialog.textContent).toContain('saves a checkpoint at the end of the current step, then stops: this takes a few seconds');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(db.stops).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Stop training' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Stop this training?' })).getByRole('button', { name: 'Stop training' }));
    await waitFor(() => expect(db.stops).toEqual([run.id]));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect((screen.getByRole('button', { name: 'Stopping…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save checkpoint now' })).toBeNull();
    expect(document.querySelector('.run-status-line')?.textContent).toBe(
      'Stopping: the engine saves a checkpoint at the end of the current step, then stops. This takes a few seconds.',
    );
    expect(screen.getByText('Stopping', { selector: '.badge' })).toBeTruthy();
    expect(liveRegion().textContent).toMatch(/^Stop requested/);

    // The engine finishes a step or two before it saves: neither they nor the speed move the page.
    stream.emit('training', trainingAt(run, 31), '4');
    stream.emit('training', { ...trainingAt(run, 32), phase: 'saving', stopRequestedAt: '2026-01-15T10:02:00.000Z' }, '5');
    const stats = screen.getByRole('region', { name: 'Progress' });
    expect(progressbar().getAttribute('aria-valuenow')).toBe('30');
    expect(progressbar().getAttribute('aria-valuetext')).toBe('Step 30 of 100');
    expect(within(stats).getByText('30 / 100')).toBeTruthy();
    expect(within(stats).getByText('Speed').nextElementSibling?.textContent).toBe('—');
    expect(within(stats).getByText('Time left').nextElementSibling?.textContent).toBe('—');
    expect(screen.getByRole('button', { name: 'Stopping…' })).toBeTruthy();

    stream.emit('training', { ...trainingAt(run, 32), status: 'stopped', phase: 'done', loraId: '5a2f1e0c-3b4d-4e5f-8a9b-0c1d2e3f4a5b' }, '6');
    expect(screen.getByText('The last checkpoint was kept as a model')).toBeTruthy();
    expect(liveRegion().textContent).toBe('Training stopped; the last checkpoint was kept as a model.');
    expect(within(stats).getByText('32 / 100')).toBeTruthy();
  });

  it('freezes the counter at the click, before the server has answered', async () => {
    let answer: () => void = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    server.use(
      http.post('/api/trainings/:id/stop', async () => {
        await answered;
        return HttpResponse.json({ ...db.trainingRuns[0]!, stopRequestedAt: '2026-01-15T10:02:00.000Z', phase: 'stopping' }, { status: 202 });
      }),
    );
    const { run, user } = setup({ status: 'running', phase: 'training' });
    const stream = await openStream(run);
    stream.emit('training', trainingAt(run, 44), '3');
    await user.click(screen.getByRole('button', { name: 'Stop training' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Stop this training?' })).getByRole('button', { name: 'Stop training' }));

    stream.emit('training', trainingAt(run, 46), '4');
    expect(document.querySelector('.run-status-line')?.textContent).toMatch(/^Stopping:/);
    expect(progressbar().getAttribute('aria-valuetext')).toBe('Step 44 of 100');
    expect(within(screen.getByRole('region', { name: 'Progress' })).getByText('Speed').nextElementSibling?.textContent).toBe('—');
    answer();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(progressbar().getAttribute('aria-valuetext')).toBe('Step 44 of 100');
  });

  it('still says "stopping" after a reload, at the step the server kept, with nothing to press', async () => {
    const { run } = setup({ status: 'running', phase: 'training', step: 57, stopRequestedAt: '2026-01-15T10:02:00.000Z' });
    const stream = await openStream(run);
    expect(document.querySelector('.run-status-line')?.textContent).toMatch(/^Stopping: the engine saves a checkpoint/);
    expect((screen.getByRole('button', { name: 'Stopping…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save checkpoint now' })).toBeNull();
    expect(progressbar().getAttribute('aria-valuetext')).toBe('Step 57 of 100');

    stream.emit('training', { ...run, phase: 'sampling' }, '8');
    expect(document.querySelector('.run-status-line')?.textContent).toMatch(/^Stopping:/);
    expect(screen.queryByRole('button', { name: 'Save checkpoint now' })).toBeNull();
  });

  it('shows kept checkpoints, the end and its reason in the timeline', async () => {
    setup({
      status: 'stopped',
      step: 60,
      phase: 'done',
      events: [
        { at: '2026-01-15T10:00:00.000Z', kind: 'queued', message: 'Training queued' },
        { at: '2026-01-15T10:01:00.000Z', kind: 'checkpoint_kept', message: 'Checkpoint at step 50 saved on request: it is kept for the life of the run' },
        { at: '2026-01-15T10:02:00.000Z', kind: 'stopped', message: 'Ended by an operator in the Temporal UI (reason: GPU maintenance)' },
        { at: '2026-01-15T10:03:00.000Z', kind: 'lora', message: 'Checkpoint at step 50 turned into a LoRA: Subject One v2' },
      ],
    });
    const timeline = await screen.findByRole('region', { name: 'Timeline' });
    const items = within(timeline).getAllByRole('listitem');
    expect(items.map((item) => item.querySelector('.timeline-message')?.textContent)).toEqual([
      'Training queued',
      'Kept Checkpoint at step 50 saved on request: it is kept for the life of the run',
      'Stopped Ended by an operator in the Temporal UI (reason: GPU maintenance)',
      'Model Checkpoint at step 50 turned into a LoRA: Subject One v2',
    ]);
    expect(items[1]!.className).toContain('timeline-item--checkpoint_kept');
    expect(within(timeline).getByText('Ended by an operator in the Temporal UI (reason: GPU maintenance)')).toBeTruthy();
  });

  it('asks for a checkpoint now while training', async () => {
    const { run, user } = setup({ status: 'running', phase: 'training' });
    const stream = await openStream(run);
    stream.emit('training', trainingAt(run, 30), '3');
    await user.click(screen.getByRole('button', { name: 'Save checkpoint now' }));
    expect(await screen.findByText(/Checkpoint requested/)).toBeTruthy();
  });

  it('explains a failure in plain words, with what to do next', async () => {
    setup({ status: 'failed', phase: 'done', error: { code: 'oom', message: 'The GPU ran out of memory, even with the lower-memory profile.' } });
    expect(await screen.findByText('The training failed')).toBeTruthy();
    expect(screen.getByText('The GPU ran out of memory, even with the lower-memory profile.')).toBeTruthy();
    expect(screen.getByText(/Start again with the Quick preset/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Start a new training' })).toBeTruthy();
    // Nothing to follow live.
    expect(FakeEventSource.instances).toHaveLength(0);
  });

  it('links operators to the run’s workflow in the Temporal UI', async () => {
    const { run } = setup();
    const link = await screen.findByRole('link', { name: /Open the workflow in the Temporal UI/ });
    expect(link.getAttribute('href')).toBe(`http://127.0.0.1:8233/namespaces/isengard/workflows/training-${run.id}`);
  });

  it('says so when the run does not exist', async () => {
    renderApp('/trainings/0b7f5a52-6a43-4c1e-9a8e-3c2d1b0a9f8e');
    expect(await screen.findByRole('heading', { level: 1, name: 'Training not found' })).toBeTruthy();
  });
});
