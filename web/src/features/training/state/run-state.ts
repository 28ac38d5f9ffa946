import type { TrainingRun } from '../../../../../lib/contracts/training';
import type { StreamStatus } from '../../../lib/events/event-stream';

/**
 * Where a training run is, as one discriminated union (web.md §5.5). Derived from the server's run; the page's
 * labels and buttons come from it, never from separate booleans.
 */
export type RunJobState =
  | { kind: 'queued' }
  | { kind: 'preparing' }
  | { kind: 'waiting_for_gpu' }
  | { kind: 'loading'; total: number }
  | { kind: 'training'; step: number; total: number; activity: 'training' | 'sampling' | 'saving' }
  | { kind: 'stopping'; step: number; total: number }
  | { kind: 'registering'; step: number; total: number }
  | { kind: 'completed'; step: number; loraId: string | null }
  | { kind: 'stopped'; step: number; loraId: string | null }
  | { kind: 'failed'; code: string; reason: string };

export function jobStateOf(run: TrainingRun): RunJobState {
  const { step, totalSteps: total } = run;
  switch (run.status) {
    case 'completed':
      return { kind: 'completed', step, loraId: run.loraId };
    case 'stopped':
      return { kind: 'stopped', step, loraId: run.loraId };
    case 'failed':
      return { kind: 'failed', code: run.error?.code ?? 'failed', reason: run.error?.message ?? 'The training failed without saying why.' };
    case 'queued':
    case 'running':
      break;
  }
  // Noted by the server: stopping whatever the phase says, and the step no longer counts (the server keeps it).
  if (run.stopRequestedAt !== null) return { kind: 'stopping', step, total };
  switch (run.phase) {
    case 'queued':
      return run.status === 'queued' ? { kind: 'queued' } : { kind: 'preparing' };
    case 'preparing':
      return { kind: 'preparing' };
    case 'waiting_for_gpu':
      return { kind: 'waiting_for_gpu' };
    case 'loading':
      return { kind: 'loading', total };
    case 'training':
    case 'sampling':
    case 'saving':
      return { kind: 'training', step, total, activity: run.phase };
    case 'stopping':
      return { kind: 'stopping', step, total };
    case 'registering':
    case 'done':
      return { kind: 'registering', step, total };
  }
}

export const isActiveState = (state: RunJobState) => !['completed', 'stopped', 'failed'].includes(state.kind);

/**
 * Stop pressed on this page. The step shown at the click is kept until the run ends: the engine finishes its current
 * step before it saves, and those last steps do not count. `requested` until the server has noted the stop (it may
 * still refuse it), `confirmed` after.
 */
export type StopRequest = { kind: 'none' } | { kind: 'requested'; step: number } | { kind: 'confirmed'; step: number };

const NO_STOP: StopRequest = { kind: 'none' };

/** What the page holds besides the run itself: where the data came from, the connection, a Stop pressed here. */
export interface RunViewState {
  run: TrainingRun | undefined;
  /** The last answer of GET /trainings/:id this state has seen (a stream update is newer than any earlier fetch). */
  fetched: TrainingRun | undefined;
  origin: 'fetch' | 'stream' | null;
  connection: StreamStatus;
  stop: StopRequest;
  /** The last status change, for the polite live region; step ticks never change it. */
  announcement: string;
}

export type RunViewEvent =
  | { type: 'fetched'; run: TrainingRun }
  | { type: 'streamed'; run: TrainingRun }
  | { type: 'connectionChanged'; status: StreamStatus }
  | { type: 'stopRequested' }
  | { type: 'stopFailed' };

export const initialRunView: RunViewState = {
  run: undefined,
  fetched: undefined,
  origin: null,
  connection: 'closed',
  stop: NO_STOP,
  announcement: '',
};

/** One sentence per state, for the live region and the status line. */
export function describeState(state: RunJobState): string {
  switch (state.kind) {
    case 'queued':
      return 'Training queued.';
    case 'preparing':
      return 'Preparing the photos.';
    case 'waiting_for_gpu':
      return 'Waiting for the GPU: it is busy with other work.';
    case 'loading':
      return 'Loading the model and the photos.';
    case 'training':
      return state.activity === 'sampling'
        ? 'Training: making sample images.'
        : state.activity === 'saving'
          ? 'Training: saving a checkpoint.'
          : 'Training in progress.';
    case 'stopping':
      return state.step > 0
        ? 'Stopping: the engine saves a checkpoint at the end of the current step, then stops. This takes a few seconds.'
        : 'Stopping: the training had not started, so there is nothing to save.';
    case 'registering':
      return 'Finishing: storing the trained model.';
    case 'completed':
      return 'Training completed.';
    case 'stopped':
      return state.loraId ? 'Training stopped; the last checkpoint was kept as a model.' : 'Training stopped before the first checkpoint.';
    case 'failed':
      return `Training failed: ${state.reason}`;
  }
}

/** The statuses worth announcing: a new kind of state, not a new step. */
const announceKey = (state: RunJobState) => (state.kind === 'training' ? 'training' : state.kind);

function withRun(state: RunViewState, run: TrainingRun, origin: 'fetch' | 'stream'): RunViewState {
  const own = jobStateOf(run);
  const stop: StopRequest = !isActiveState(own)
    ? NO_STOP
    : state.stop.kind === 'requested' && own.kind === 'stopping'
      ? { kind: 'confirmed', step: state.stop.step }
      : state.stop;
  const next: RunViewState = { ...state, run, origin, stop };
  const before = displayedState(state);
  const after = displayedState(next);
  return {
    ...next,
    announcement: before && after && announceKey(before) !== announceKey(after) ? describeState(after) : state.announcement,
  };
}

const hasEnded = (run: TrainingRun | undefined) => run !== undefined && !isActiveState(jobStateOf(run));

/** The run page's reducer: pure, and tested on every event in every state. */
export function reduceRunView(state: RunViewState, event: RunViewEvent): RunViewState {
  switch (event.type) {
    case 'fetched':
      if (event.run === state.fetched) return state;
      if (state.run && event.run.id !== state.run.id) return { ...initialRunView, fetched: event.run, run: event.run, origin: 'fetch', connection: state.connection };
      // The stream is at least as new as any fetch made before it: an older answer must not move the page back.
      // Once the run has ended its stream is closed, and a fetch of the ended run is newer (a LoRA made since, say).
      if (state.origin === 'stream' && !(hasEnded(state.run) && hasEnded(event.run))) return { ...state, fetched: event.run };
      return { ...withRun(state, event.run, 'fetch'), fetched: event.run };
    case 'streamed':
      if (state.run && event.run.id !== state.run.id) return state;
      return withRun(state, event.run, 'stream');
    case 'connectionChanged':
      if (event.status === state.connection) return state;
      return { ...state, connection: event.status };
    case 'stopRequested': {
      const shown = displayedState(state);
      if (!state.run || !shown || !isActiveState(shown) || shown.kind === 'stopping' || state.stop.kind !== 'none') return state;
      return {
        ...state,
        stop: { kind: 'requested', step: state.run.step },
        announcement: 'Stop requested: the training saves a checkpoint at the end of the current step, then stops.',
      };
    }
    case 'stopFailed':
      if (state.stop.kind !== 'requested') return state;
      return { ...state, stop: NO_STOP };
  }
}

/** The state the page shows: the run's own, or "stopping" at the step of the click once Stop is pressed here. */
export function displayedState(state: RunViewState): RunJobState | undefined {
  if (!state.run) return undefined;
  const own = jobStateOf(state.run);
  if (state.stop.kind === 'none' || !isActiveState(own)) return own;
  return { kind: 'stopping', step: state.stop.step, total: state.run.totalSteps };
}
