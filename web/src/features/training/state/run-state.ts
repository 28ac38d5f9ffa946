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

/** What the page holds besides the run itself: where the data came from, the connection, a Stop in flight. */
export interface RunViewState {
  run: TrainingRun | undefined;
  /** The last answer of GET /trainings/:id this state has seen (a stream update is newer than any earlier fetch). */
  fetched: TrainingRun | undefined;
  origin: 'fetch' | 'stream' | null;
  connection: StreamStatus;
  /** Optimistic: Stop was pressed and the server has not confirmed it yet. */
  stopRequested: boolean;
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
  stopRequested: false,
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
      return 'Stopping: saving a checkpoint first.';
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
  const before = state.run ? jobStateOf(state.run) : undefined;
  const after = jobStateOf(run);
  const confirmed = !isActiveState(after) || after.kind === 'stopping';
  return {
    ...state,
    run,
    origin,
    stopRequested: state.stopRequested && !confirmed,
    announcement: before && announceKey(before) !== announceKey(after) ? describeState(after) : state.announcement,
  };
}

/** The run page's reducer: pure, and tested on every event in every state. */
export function reduceRunView(state: RunViewState, event: RunViewEvent): RunViewState {
  switch (event.type) {
    case 'fetched':
      if (event.run === state.fetched) return state;
      if (state.run && event.run.id !== state.run.id) return { ...initialRunView, fetched: event.run, run: event.run, origin: 'fetch', connection: state.connection };
      // The stream is at least as new as any fetch made before it: an older answer must not move the page back.
      if (state.origin === 'stream') return { ...state, fetched: event.run };
      return { ...withRun(state, event.run, 'fetch'), fetched: event.run };
    case 'streamed':
      if (state.run && event.run.id !== state.run.id) return state;
      return withRun(state, event.run, 'stream');
    case 'connectionChanged':
      if (event.status === state.connection) return state;
      return { ...state, connection: event.status };
    case 'stopRequested':
      if (!state.run || !isActiveState(jobStateOf(state.run)) || state.stopRequested) return state;
      return { ...state, stopRequested: true, announcement: 'Stop requested: the training saves a checkpoint, then stops.' };
    case 'stopFailed':
      if (!state.stopRequested) return state;
      return { ...state, stopRequested: false };
  }
}

/** The state the page shows: the run's own, or "stopping" while a Stop is on its way. */
export function displayedState(state: RunViewState): RunJobState | undefined {
  if (!state.run) return undefined;
  const own = jobStateOf(state.run);
  if (state.stopRequested && isActiveState(own)) return { kind: 'stopping', step: state.run.step, total: state.run.totalSteps };
  return own;
}
