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
    expect(state.stopRequested).toBe(false);
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

  it('shows "stopping" at once when Stop is pressed, until the server confirms', () => {
    let state = reduce([{ type: 'fetched', run: training40 }, { type: 'stopRequested' }]);
    expect(displayedState(state)).toEqual({ kind: 'stopping', step: 40, total: 100 });
    expect(state.announcement).toMatch(/stop requested/i);
    // A step that arrives before the server has seen the Stop does not undo it.
    state = reduceRunView(state, { type: 'streamed', run: trainingAt(queued, 41) });
    expect(displayedState(state)?.kind).toBe('stopping');
    state = reduceRunView(state, { type: 'streamed', run: stopping });
    expect(state.stopRequested).toBe(false);
    expect(displayedState(state)?.kind).toBe('stopping');
    state = reduceRunView(state, { type: 'streamed', run: stopped });
    expect(displayedState(state)).toEqual({ kind: 'stopped', step: 60, loraId: completed.loraId });
    expect(state.announcement).toBe('Training stopped; the last checkpoint was kept as a model.');
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

  it('has nothing to display before the first answer', () => {
    expect(displayedState(initialRunView)).toBeUndefined();
  });
});

describe('describeState', () => {
  it('says why a run waits, and why it failed', () => {
    expect(describeState(jobStateOf(waiting))).toBe('Waiting for the GPU: it is busy with other work.');
    expect(describeState(jobStateOf(failed))).toBe('Training failed: The GPU ran out of memory.');
  });
});
