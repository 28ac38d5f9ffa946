import { lazy, Suspense, type ReactNode } from 'react';
import { Link } from 'react-router';
import { PRESETS, takesLearningRate, type TrainingRun } from '../../../../../lib/contracts/training';
import { PageHeader } from '../../../components/layout/page-header';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { ProgressBar } from '../../../components/ui/progress-bar';
import { paths } from '../../../config/paths';
import { ApiError } from '../../../lib/api-client';
import { formatDateTime, formatDuration, formatLoss } from '../../../lib/format';
import { useCharacter } from '../../../lib/queries/characters';
import { useLiveTrainingRun } from '../hooks/use-live-training-run';
import { describeState, isActiveState, type RunJobState } from '../state/run-state';
import { nextStepAfterFailure } from '../utils/next-step';
import { CheckpointsList } from './checkpoints-list';
import { ContinueAction } from './continue-action';
import { LikenessPanel } from './likeness-panel';
import { PhaseTimeline } from './phase-timeline';
import { RunControls } from './run-controls';
import { SamplesGallery } from './samples-gallery';

// uPlot only loads when a run page is opened.
const LossChart = lazy(() => import('./loss-chart'));

const STATUS_BADGE: Record<TrainingRun['status'], { tone: 'info' | 'success' | 'danger' | 'neutral' | 'warning'; text: string }> = {
  queued: { tone: 'neutral', text: 'Queued' },
  running: { tone: 'info', text: 'Running' },
  completed: { tone: 'success', text: 'Completed' },
  failed: { tone: 'danger', text: 'Failed' },
  stopped: { tone: 'warning', text: 'Stopped' },
};

const STOPPING_BADGE = { tone: 'warning', text: 'Stopping' } as const;

interface RunViewProps {
  runId: string;
  /** The operators' link to this run's workflow in the Temporal UI. */
  renderWorkflowLink?: (workflowId: string) => ReactNode;
}

/** A training run, live: progress, loss, samples, timeline, the controls, and the outcome. */
export function RunView({ runId, renderWorkflowLink }: RunViewProps) {
  const live = useLiveTrainingRun(runId);
  const { run, jobState, query, state } = live;
  const character = useCharacter(run?.characterId ?? '', { enabled: Boolean(run) });

  if (!run || !jobState) {
    if (query.isError) {
      const missing = query.error instanceof ApiError && [400, 404].includes(query.error.status);
      return (
        <>
          <PageHeader title={missing ? 'Training not found' : 'Training'} />
          <div role="alert" className="inline-error">
            {missing ? (
              <p>
                This training run does not exist. It may have been deleted, or the link is incomplete.{' '}
                <Link to={paths.train}>Go to Train</Link>.
              </p>
            ) : (
              <>
                <p>This training run could not be loaded. {query.error.message}</p>
                <Button onClick={() => void query.refetch()}>Try again</Button>
              </>
            )}
          </div>
        </>
      );
    }
    return (
      <>
        <PageHeader title="Training" />
        <p className="muted">Loading…</p>
      </>
    );
  }

  const name = character.data?.name;
  const badge = jobState.kind === 'stopping' ? STOPPING_BADGE : STATUS_BADGE[run.status];
  return (
    <>
      <p className="back-link">
        <Link to={`${paths.train}?character=${encodeURIComponent(run.characterId)}`}>
          <span aria-hidden="true">← </span>
          {name ? `Training of ${name}` : 'Train'}
        </Link>
      </p>
      <PageHeader
        title={name ? `Training ${name}` : 'Training'}
        badge={<Badge tone={badge.tone}>{badge.text}</Badge>}
        description={
          <>
            {PRESETS[run.preset].label} preset · {run.totalSteps} steps · started <time dateTime={run.createdAt}>{formatDateTime(run.createdAt)}</time>
            {run.continuedFrom && (
              <>
                {' · '}Continued from <Link to={paths.training(run.continuedFrom.runId)}>run {run.continuedFrom.runId.slice(0, 8)}</Link> at step{' '}
                {run.continuedFrom.step}
              </>
            )}
            {' · '}<Link to={`${paths.compare}?run=${encodeURIComponent(run.id)}`}>Compare its checkpoints</Link>
          </>
        }
      />
      {/* Status changes only; step ticks are not announced. */}
      <p role="status" aria-live="polite" className="visually-hidden">
        {state.announcement}
      </p>
      <div className="run-layout">
        <section className="card run-progress" aria-labelledby="progress-title">
          <div className="card-heading-row">
            <h2 id="progress-title" className="card-title">
              Progress
            </h2>
            {state.connection === 'reconnecting' && isActiveState(jobState) && (
              <Badge tone="warning">Reconnecting…</Badge>
            )}
          </div>
          <p className="run-status-line">{describeState(jobState)}</p>
          {state.connection === 'reconnecting' && isActiveState(jobState) && (
            <p className="muted">The live connection was lost; the numbers below may be behind until it is back.</p>
          )}
          <RunProgress run={run} jobState={jobState} />
          <RunOutcome run={run} jobState={jobState} triggerWord={character.data?.triggerWord} />
          <RunControls runId={run.id} jobState={jobState} onStopRequested={live.stopRequested} onStopFailed={live.stopFailed} />
          <ContinueAction run={run} jobState={jobState} />
          {renderWorkflowLink && <p className="muted workflow-line">For operators: {renderWorkflowLink(run.workflowId)}</p>}
        </section>
        <section className="card" aria-labelledby="loss-title">
          <h2 id="loss-title" className="card-title">
            Loss
          </h2>
          <Suspense fallback={<p className="muted">Loading the chart…</p>}>
            <LossChart points={run.loss} totalSteps={run.totalSteps} />
          </Suspense>
        </section>
        <LikenessPanel likeness={run.likeness} totalSteps={run.totalSteps} />
        <SamplesGallery samples={run.samples} triggerWord={character.data?.triggerWord} />
        <PhaseTimeline events={run.events} />
        <CheckpointsList
          runId={run.id}
          characterId={run.characterId}
          lastCheckpointStep={run.lastCheckpointStep}
          recommendedStep={run.likeness?.recommended?.step ?? null}
        />
        <RunSettings run={run} />
      </div>
    </>
  );
}

function RunProgress({ run, jobState }: { run: TrainingRun; jobState: RunJobState }) {
  // Once a stop is asked for, the numbers stay where they were: the engine's last steps before it saves do not count.
  const stopping = jobState.kind === 'stopping';
  const step = stopping ? jobState.step : run.step;
  const counting = jobState.kind === 'training' || stopping || jobState.kind === 'registering';
  const finished = jobState.kind === 'completed';
  const value = counting || finished || step > 0 ? step : undefined;
  const valueText = value === undefined ? describeState(jobState).replace(/\.$/, '') : `Step ${step} of ${run.totalSteps}`;
  const live = isActiveState(jobState) && !stopping;
  const latestLoss = run.loss.at(-1)?.[1];
  return (
    <>
      <ProgressBar label="Training progress" max={run.totalSteps} value={value} valueText={valueText} />
      <dl className="stats">
        <div>
          <dt>Step</dt>
          <dd>
            {step} / {run.totalSteps}
          </dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{run.itPerSec !== null && live ? `${run.itPerSec.toFixed(2)} it/s` : '—'}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>{run.etaSeconds !== null && live ? `about ${formatDuration(run.etaSeconds)}` : '—'}</dd>
        </div>
        <div>
          <dt>Loss</dt>
          <dd>{latestLoss !== undefined ? formatLoss(latestLoss) : '—'}</dd>
        </div>
        <div>
          <dt>Last checkpoint</dt>
          <dd>{run.lastCheckpointStep !== null ? `step ${run.lastCheckpointStep}` : '—'}</dd>
        </div>
      </dl>
    </>
  );
}

function RunOutcome({ run, jobState, triggerWord }: { run: TrainingRun; jobState: RunJobState; triggerWord: string | undefined }) {
  if (jobState.kind === 'failed') {
    return (
      <div className="inline-error run-outcome">
        <p className="run-outcome-title">The training failed</p>
        <p>{jobState.reason}</p>
        <p>
          <strong>What to do next:</strong> {nextStepAfterFailure(jobState.code)}
        </p>
        <p>
          <Link to={paths.character(run.characterId)}>Open the character</Link> ·{' '}
          <Link to={`${paths.train}?character=${encodeURIComponent(run.characterId)}`}>Start a new training</Link>
        </p>
      </div>
    );
  }
  if ((jobState.kind === 'completed' || jobState.kind === 'stopped') && run.loraId) {
    return (
      <div className="success-box run-outcome">
        <p className="run-outcome-title">{jobState.kind === 'completed' ? 'Your model is ready' : 'The last checkpoint was kept as a model'}</p>
        <p>
          Write {triggerWord ? <code>{triggerWord}</code> : 'the trigger word'} in a prompt to get this person in your
          images.
        </p>
        <p className="actions">
          <Link className="button button--primary" to={`${paths.generate}?lora=${encodeURIComponent(run.loraId)}`}>
            Generate with this model
          </Link>
          <Link to={paths.character(run.characterId)}>See all models of this character</Link>
        </p>
      </div>
    );
  }
  if (jobState.kind === 'stopped') {
    return (
      <p className="muted run-outcome">
        The training stopped before its first checkpoint, so no model was kept.{' '}
        <Link to={`${paths.train}?character=${encodeURIComponent(run.characterId)}`}>Start a new training</Link>.
      </p>
    );
  }
  return null;
}

function RunSettings({ run }: { run: TrainingRun }) {
  const s = run.settings;
  return (
    <section className="card" aria-labelledby="settings-title">
      <h2 id="settings-title" className="card-title">
        Settings
      </h2>
      <dl className="result-list">
        <dt>Preset</dt>
        <dd>{PRESETS[run.preset].label}</dd>
        <dt>Steps</dt>
        <dd>{s.steps}</dd>
        <dt>Rank</dt>
        <dd>{s.rank}</dd>
        <dt>Learning rate</dt>
        <dd>{takesLearningRate(s.optimizer) ? s.learningRate : 'found by Prodigy'}</dd>
        <dt>Image sizes</dt>
        <dd>{s.resolutions.join(', ')} px</dd>
        <dt>Checkpoints</dt>
        <dd>every {s.saveEvery} steps</dd>
        <dt>Samples</dt>
        <dd>every {s.sampleEvery} steps</dd>
        {run.gpuWorker && (
          <>
            <dt>GPU worker</dt>
            <dd>
              <code>{run.gpuWorker}</code>
            </dd>
          </>
        )}
        {run.engineVersion && (
          <>
            <dt>Engine</dt>
            <dd>
              <code>{run.engineVersion}</code>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
