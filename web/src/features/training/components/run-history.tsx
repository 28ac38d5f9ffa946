import { Link } from 'react-router';
import { PRESETS, type TrainingRun } from '../../../../../lib/contracts/training';
import { Badge } from '../../../components/ui/badge';
import { paths } from '../../../config/paths';
import { formatDateTime } from '../../../lib/format';
import { isRunActive, useTrainingRuns } from '../api/get-training-runs';

const TONE: Record<TrainingRun['status'], 'neutral' | 'info' | 'success' | 'danger' | 'warning'> = {
  queued: 'neutral',
  running: 'info',
  completed: 'success',
  failed: 'danger',
  stopped: 'warning',
};
const TEXT: Record<TrainingRun['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  stopped: 'Stopped',
};

/** A character's training runs, newest first, each linking to its page. */
export function RunHistory({ characterId, headingLevel = 2 }: { characterId: string; headingLevel?: 2 | 3 }) {
  const runs = useTrainingRuns(characterId);
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const items = [...(runs.data?.items ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <section className="card" aria-labelledby={`runs-${characterId}`}>
      <Heading id={`runs-${characterId}`} className="card-title">
        Training runs
      </Heading>
      {runs.isPending && <p className="muted">Loading…</p>}
      {runs.isError && <p className="form-error">The training runs could not be loaded. {runs.error.message}</p>}
      {runs.isSuccess && items.length === 0 && <p className="muted">No training yet.</p>}
      {items.length > 0 && (
        <ul className="run-list">
          {items.map((run) => (
            <li key={run.id} className="run-item">
              <Link to={paths.training(run.id)} className="run-link">
                {PRESETS[run.preset].label} · <time dateTime={run.createdAt}>{formatDateTime(run.createdAt)}</time>
              </Link>
              {run.stopRequestedAt && isRunActive(run) ? (
                <Badge tone="warning">Stopping</Badge>
              ) : (
                <Badge tone={TONE[run.status]}>{TEXT[run.status]}</Badge>
              )}
              <span className="muted">
                {run.status === 'failed' && run.error ? run.error.message : `step ${run.step} of ${run.totalSteps}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
