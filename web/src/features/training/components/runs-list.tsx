import { Link } from 'react-router';
import { PRESETS, type TrainingRunSummary } from '../../../../../lib/contracts/training';
import { Badge } from '../../../components/ui/badge';
import { paths } from '../../../config/paths';
import { formatDateTime, formatDuration } from '../../../lib/format';
import { RunStatusBadge } from './runs-status-badge';
import './runs-list.css';

const loraAddress = (run: TrainingRunSummary, loraId: string) =>
  `${paths.loras}?character=${encodeURIComponent(run.characterId)}#lora-${loraId}`;

function Steps({ run }: { run: TrainingRunSummary }) {
  return (
    <>
      {run.step} of {run.totalSteps}
    </>
  );
}

function Duration({ run }: { run: TrainingRunSummary }) {
  return <>{run.durationSeconds === null ? '—' : formatDuration(run.durationSeconds)}</>;
}

function MadeLora({ run }: { run: TrainingRunSummary }) {
  if (!run.lora) return <span className="muted">{run.status === 'failed' && run.error ? run.error.message : 'None'}</span>;
  return (
    <>
      <Link to={loraAddress(run, run.lora.id)}>{run.lora.name}</Link> <span className="muted">(step {run.lora.steps})</span>
      {run.lora.recommended && (
        <>
          {' '}
          <Badge tone="info">Recommended</Badge>
        </>
      )}
    </>
  );
}

/** Where more can be done with a run: its page (stop, checkpoints, continue). */
function OpenRun({ run }: { run: TrainingRunSummary }) {
  return (
    <Link className="button button--secondary" to={paths.training(run.id)}>
      Open<span className="visually-hidden"> the run of {run.characterName} started {formatDateTime(run.createdAt)}</span>
    </Link>
  );
}

/** The runs as a table on wide screens and as cards on narrow ones (one of the two is hidden by the stylesheet). */
export function RunsList({ runs }: { runs: TrainingRunSummary[] }) {
  return (
    <>
      <div className="table-scroll runs-table">
        <table className="table">
          <caption className="visually-hidden">Training runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Character</th>
              <th scope="col">Status</th>
              <th scope="col">Preset</th>
              <th scope="col">Steps</th>
              <th scope="col">Duration</th>
              <th scope="col">Started</th>
              <th scope="col">LoRA</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id} data-run-id={run.id}>
                <th scope="row">
                  <Link to={paths.character(run.characterId)}>{run.characterName}</Link>
                </th>
                <td>
                  <RunStatusBadge run={run} />
                </td>
                <td>{PRESETS[run.preset].label}</td>
                <td>
                  <Steps run={run} />
                </td>
                <td>
                  <Duration run={run} />
                </td>
                <td>
                  <time dateTime={run.createdAt}>{formatDateTime(run.createdAt)}</time>
                </td>
                <td>
                  <MadeLora run={run} />
                </td>
                <td>
                  <OpenRun run={run} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ul className="runs-cards" aria-label="Training runs, newest first">
        {runs.map((run) => (
          <li key={run.id} className="card runs-card" data-run-id={run.id}>
            <p className="runs-card-title">
              <Link to={paths.character(run.characterId)}>{run.characterName}</Link> <RunStatusBadge run={run} />
            </p>
            <dl className="runs-card-facts">
              <dt>Preset</dt>
              <dd>{PRESETS[run.preset].label}</dd>
              <dt>Steps</dt>
              <dd>
                <Steps run={run} />
              </dd>
              <dt>Duration</dt>
              <dd>
                <Duration run={run} />
              </dd>
              <dt>Started</dt>
              <dd>
                <time dateTime={run.createdAt}>{formatDateTime(run.createdAt)}</time>
              </dd>
              <dt>LoRA</dt>
              <dd>
                <MadeLora run={run} />
              </dd>
            </dl>
            <OpenRun run={run} />
          </li>
        ))}
      </ul>
    </>
  );
}
