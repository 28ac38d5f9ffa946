import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../../../lib/contracts/training';
import { buildTrainingRun, trainingAt } from '../../../testing/fixtures/trainings';
import {
  describeState,
  displayedState,
  initialRunView,
  jobStateOf,
  reduceRunView,
  type RunViewEvent,
  type RunViewState,
} from './run-state';

const characterId = '0b7f5a52-6a43-4c1e-9a8e-3c2d1b0a9f8e';
const queued = buildTrainingRun({ characterId });
const preparing: TrainingRun = { ...queued, status: 'running', phase: 'preparing' };
const waiting: TrainingRun = { ...queued, status: 'running', phase: 'waiting_for_gpu' };
const loading: TrainingRun = { ...queued, status: 'running', phase: 'loading' };
const training40 = trainingAt(queued, 40);
const sampling: TrainingRun = { ...trainingAt(queued, 50), phase: 'sampling' };
const stopping: TrainingRun = { ...trainingAt(queued, 60), phase: 'stopping' };
const registering: TrainingRun = { ...trainingAt(queued, 100), phase: 'registering' };
const completed: TrainingRun = { ...trainingAt(queued, 100), status: 'completed', phase: 'done', loraId: '5a2f1e0c-3b4d-4e5f-8a9b-0c1d2e3f4a5b' };
const stopped: TrainingRun = { ...trainingAt(queued, 60), status: 'stopped', phase: 'done', loraId: completed.loraId };
const failed: TrainingRun = { ...trainingAt(queued, 30), status: 'failed', phase: 'done', error: { code: 'oom', message: 'The GPU ran out of memory.' } };

const reduce = (events: RunViewEvent[], from: RunViewState = initialRunView) => events.reduce(reduceRunView, from);

describe('jobStateOf', () => {
  it.each([
    [queued, { kind: 'queued' }],
    [{ ...queued, status: 'running' as const }, { kind: 'preparing' }],
    [preparing, { kind: 'preparing' }],
    [waiting, { kind: 'waiting_for_gpu' }],
    [loading, { kind: 'loading', total: 100 }],
    [training40, { kind: 'training', step: 40, total: 100, activity: 'training' }],
    [sampling, { kind: 'training', step: 50, total: 100, activity: 'sampling' }],
    [stopping, { kind: 'stopping', step: 60, total: 100 }],
    [registering, { kind: 'registering', step: 100, total: 100 }],
    [completed, { kind: 'completed', step: 100, loraId: completed.loraId }],
    [stopped, { kind: 'stopped', step: 60, loraId: completed.loraId }],
    [failed, { kind: 'failed', code: 'oom', reason: 'The GPU ran out of memory.' }],
  ])('maps status %# to one state', (run, state) => {
    expect(jobStateOf(run)).toEqual(state);
  });

  it.each(['training', 'sampling', 'saving', 'loading', 'waiting_for_gpu', 'registering'] as const)(
    'says "stopping" for a running run whose stop the server has noted, in phase %s',
    (phase) => {
      const run: TrainingRun = { ...trainingAt(queued, 45), phase, stopRequestedAt: '2026-01-15T10:01:00.000Z' };
      expect(jobStateOf(run)).toEqual({ kind: 'stopping', step: 45, total: 100 });
    },
  );

  it('says "stopping" for a queued run asked to stop, and "stopped" once it has ended', () => {
    const asked = '2026-01-15T10:01:00.000Z';
    expect(jobStateOf({ ...queued, stopRequestedAt: asked })).toEqual({ kind: 'stopping', step: 0, total: 100 });
    expect(jobStateOf({ ...stopped, stopRequestedAt: asked })).toEqual({ kind: 'stopped', step: 60, loraId: completed.loraId });
  });

  it('explains a failure without an error as failed, with a sentence', () => {
    expect(jobStateOf({ ...failed, error: null })).toEqual({ kind: 'failed', code: 'failed', reason: 'The training failed without saying why.' });
  });
});

describe('reduceRunView', () => {
  it('shows the first answer of the API without announcing it', () => {
    const state = reduce([{ type: 'fetched', run: training40 }]);
    expect(state.run).toBe(training40);
    expect(state.origin).toBe('fetch');
    expect(state.announcement).toBe('');
  });

  it('announces a new kind of state, never a new step', () => {
    const started = reduce([{ type: 'fetched', run: queued }, { type: 'streamed', run: training40 }]);
    expect(started.announcement).toBe('Training in progress.');
    const ticked = reduce([{ type: 'streamed', run: trainingAt(queued, 41) }, { type: 'streamed', run: sampling }], started);
    expect(ticked.announcement).toBe('Training in progress.');
    expect(ticked.run).toBe(sampling);
    const done = reduce([{ type: 'streamed', run: completed }], ticked);
    expect(done.announcement).toBe('Training completed.');
  });

  it('keeps the stream when an older fetch answers after it', () => {
    const state = reduce([{ type: 'fetched', run: queued }, { type: 'streamed', run: training40 }, { type: 'fetched', run: preparing }]);
    expect(state.run).toBe(training40);
    expect(state.fetched).toBe(preparing);
    // The same answer again changes nothing at all.
    expect(reduceRunView(state, { type: 'fetched', run: preparing })).toBe(state);
  });

  it('ignores a stream update for another run', () => {
    const state = reduce([{ type: 'fetched', run: training40 }]);
    const other = trainingAt(buildTrainingRun({ characterId }), 10);
    expect(reduceRunView(state, { type: 'streamed', run: other })).toBe(state);
  });

  it('starts over when the page is given another run', () => {
    const other = buildTrainingRun({ characterId });
    const state = reduce([{ type: 'fetched', run: training40 }, { type: 'stopRequested' }, { type: 'fetched', run: other }]);
    expect(state.run).toBe(other);
    expect(state.stop).toEqual({ kind: 'none' });
  });

  it('tracks the connection: open, lost (reconnecting), back', () => {
    let state = reduce([{ type: 'fetched', run: training40 }, { type: 'connectionChanged', status: 'connecting' }]);
    state = reduceRunView(state, { type: 'connectionChanged', status: 'open' });
    expect(state.connection).toBe('open');
    state = reduceRunView(state, { type: 'connectionChanged', status: 'reconnecting' });
    expect(state.connection).toBe('reconnecting');
    expect(state.run).toBe(training40);
    expect(reduceRunView(state, { type: 'connectionChanged', status: 'reconnecting' })).toBe(state);
    state = reduceRunView(state, { type: 'connectionChanged', status: 'open' });
    expect(state.connection).toBe('open');
  });

  it('shows "stopping" at once when Stop is pressed, with the step of the click, until the run ends', () => {
    let state = reduce([{ type: 'fetched', run: training40 }, { type: 'stopRequested' }]);
    expect(displayedState(state)).toEqual({ kind: 'stopping', step: 40, total: 100 });
    expect(state.stop).toEqual({ kind: 'requested', step: 40 });
    expect(state.announcement).toMatch(/stop requested/i);
    // A step that arrives before the server has seen the Stop neither undoes it nor moves the counter.
    state = reduceRunView(state, { type: 'streamed', run: trainingAt(queued, 41) });
    expect(displayedState(state)).toEqual({ kind: 'stopping', step: 40, total: 100 });
    // The server notes the stop (at a later step of its own): confirmed, and still frozen at the click's step.
    state = reduceRunView(state, { type: 'streamed', run: { ...stopping, stopRequestedAt: '2026-01-15T10:01:00.000Z' } });
    expect(state.stop).toEqual({ kind: 'confirmed', step: 40 });
    expect(displayedState(state)).toEqual({ kind: 'stopping', step: 40, total: 100 });
    // Confirming is no news: nothing more is announced.
    expect(state.announcement).toMatch(/stop requested/i);
    state = reduceRunView(state, { type: 'fetched', run: { ...trainingAt(queued, 62), stopRequestedAt: '2026-01-15T10:01:00.000Z' } });
    expect(displayedState(state)).toEqual({ kind: 'stopping', step: 40, total: 100 });
    state = reduceRunView(state, { type: 'streamed', run: stopped });
    expect(state.stop).toEqual({ kind: 'none' });
    expect(displayedState(state)).toEqual({ kind: 'stopped', step: 60, loraId: completed.loraId });
    expect(state.announcement).toBe('Training stopped; the last checkpoint was kept as a model.');
  });

  it('keeps showing "stopping" after a reload, at the step the server kept', () => {
    const noted: TrainingRun = { ...trainingAt(queued, 57), phase: 'training', itPerSec: null, etaSeconds: null, stopRequestedAt: '2026-01-15T10:01:00.000Z' };
    let state = reduce([{ type: 'fetched', run: noted }]);
    expect(displayedState(state)).toEqual({ kind: 'stopping', step: 57, total: 100 });
    // Stop cannot be pressed twice.
    expect(reduceRunView(state, { type: 'stopRequested' })).toBe(state);
    state = reduceRunView(state, { type: 'streamed', run: { ...noted, phase: 'saving' } });
    expect(displayedState(state)?.kind).toBe('stopping');
    expect(state.announcement).toBe('');
  });

  it('does not undo a stop the server has noted when the Stop request then fails', () => {
    let state = reduce([{ type: 'fetched', run: training40 }, { type: 'stopRequested' }]);
    state = reduceRunView(state, { type: 'streamed', run: { ...training40, stopRequestedAt: '2026-01-15T10:01:00.000Z' } });
    expect(reduceRunView(state, { type: 'stopFailed' })).toBe(state);
    expect(displayedState(state)).toEqual({ kind: 'stopping', step: 40, total: 100 });
  });

  it('goes back to the run’s own state when the Stop request fails', () => {
    const state = reduce([{ type: 'fetched', run: training40 }, { type: 'stopRequested' }, { type: 'stopFailed' }]);
    expect(displayedState(state)?.kind).toBe('training');
  });

  it.each([
    ['before the run is known', []],
    ['once the run has completed', [{ type: 'fetched', run: completed }]],
    ['once the run has failed', [{ type: 'fetched', run: failed }]],
  ] as [string, RunViewEvent[]][])('does nothing on Stop %s', (_when, events) => {
    const state = reduce(events);
    expect(reduceRunView(state, { type: 'stopRequested' })).toBe(state);
  });

  it('does nothing on a failed Stop that was never requested', () => {
    const state = reduce([{ type: 'fetched', run: training40 }]);
    expect(reduceRunView(state, { type: 'stopFailed' })).toBe(state);
  });

  it('takes a later fetch of a run that has ended, though the stream had the last word', () => {
    const withLora: TrainingRun = { ...completed, events: [...completed.events, { at: '2026-01-15T11:00:00.000Z', kind: 'lora', message: 'Checkpoint at step 50 turned into a LoRA: Ada v2' }] };
    const state = reduce([{ type: 'fetched', run: training40 }, { type: 'streamed', run: completed }, { type: 'fetched', run: withLora }]);
    expect(state.run).toBe(withLora);
    expect(state.announcement).toBe('Training completed.');
  });

  it('has nothing to display before the first answer', () => {
    expect(displayedState(initialRunView)).toBeUndefined();
  });
});

describe('describeState', () => {
  it('says why a run waits, and why it failed', () => {
    expect(describeState(jobStateOf(waiting))).toBe('Waiting for the GPU: it is busy with other work.');
    expect(describeState(jobStateOf(failed))).toBe('Training failed: The GPU ran out of memory.');
  });

  it('says that stopping takes seconds: a checkpoint at the end of the current step, or nothing to save yet', () => {
    expect(describeState({ kind: 'stopping', step: 40, total: 100 })).toBe(
      'Stopping: the engine saves a checkpoint at the end of the current step, then stops. This takes a few seconds.',
    );
    expect(describeState({ kind: 'stopping', step: 0, total: 100 })).toBe('Stopping: the training had not started, so there is nothing to save.');
  });
});
