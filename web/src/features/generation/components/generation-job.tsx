import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Generation } from '../../../../../lib/contracts/generations';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { ProgressBar } from '../../../components/ui/progress-bar';
import { paths } from '../../../config/paths';
import { ApiError } from '../../../lib/api-client';
import { isGenerationActive } from '../api/get-generation';
import { useCancelling } from '../hooks/use-cancelling';
import { useLiveGeneration } from '../hooks/use-live-generation';
import { LikenessBadge } from './gallery-likeness';
import { shortPrompt } from '../utils/describe';

const CANCELLING_BADGE = { tone: 'warning', text: 'Cancelling…' } as const;

const BADGE: Record<Generation['status'], { tone: 'neutral' | 'info' | 'success' | 'danger' | 'warning'; text: string }> = {
  queued: { tone: 'neutral', text: 'Queued' },
  running: { tone: 'info', text: 'Generating' },
  completed: { tone: 'success', text: 'Done' },
  failed: { tone: 'danger', text: 'Failed' },
  cancelled: { tone: 'warning', text: 'Cancelled' },
};

interface GenerationJobProps {
  id: string;
  renderWorkflowLink?: (workflowId: string) => ReactNode;
}

/** One generation, live: waiting, progress, the pictures, or what went wrong. */
export function GenerationJob({ id, renderWorkflowLink }: GenerationJobProps) {
  const { query, generation, connection, announcement } = useLiveGeneration(id);
  const { cancelling, cancel, error: cancelError } = useCancelling(generation);
  const badge = cancelling ? CANCELLING_BADGE : generation ? BADGE[generation.status] : undefined;

  return (
    <section className="card generation-job" aria-labelledby="job-title">
      <div className="card-heading-row">
        <h2 id="job-title" className="card-title">
          Your pictures
        </h2>
        {badge && <Badge tone={badge.tone}>{badge.text}</Badge>}
      </div>
      <p role="status" aria-live="polite" className="visually-hidden">
        {cancelling ? 'Cancelling…' : announcement}
      </p>
      {query.isPending && <p className="muted">Loading…</p>}
      {query.isError && (
        <p role="alert" className="form-error">
          {query.error instanceof ApiError && query.error.status === 404
            ? 'This generation no longer exists (it may have been deleted).'
            : `This generation could not be loaded. ${query.error.message}`}
        </p>
      )}
      {generation && (
        <JobBody generation={generation} cancelling={cancelling} reconnecting={connection === 'reconnecting'} />
      )}
      {generation && isGenerationActive(generation) && (
        <div className="actions">
          <Button onClick={cancel} disabled={cancelling !== null}>
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        </div>
      )}
      {cancelError && (
        <p role="alert" className="form-error">
          The generation could not be cancelled. {cancelError.message}
        </p>
      )}
      {generation && renderWorkflowLink && <p className="muted workflow-line">For operators: {renderWorkflowLink(generation.workflowId)}</p>}
    </section>
  );
}

interface JobBodyProps {
  generation: Generation;
  /** While a cancel is on its way: the progress when it was asked for. */
  cancelling: { progress: number } | null;
  reconnecting: boolean;
}

function JobBody({ generation, cancelling, reconnecting }: JobBodyProps) {
  const { batch } = generation.parameters;
  const prompt = shortPrompt(generation.parameters.userPrompt, 140);
  if (cancelling && isGenerationActive(generation)) {
    const percent = Math.round(cancelling.progress * 100);
    return (
      <>
        <p className="job-line">“{prompt}”</p>
        <ProgressBar label="Generation progress" max={100} value={percent} valueText={`Cancelling… stopped at ${percent}%`} />
        <p className="waiting-line">Cancelling… the pictures being made are dropped. This takes a few seconds.</p>
      </>
    );
  }
  if (generation.status === 'queued') {
    return (
      <>
        <p className="job-line">“{prompt}”</p>
        <p className="waiting-line">{generation.waitingFor ? capitalise(`${generation.waitingFor}.`) : 'Queued: starting in a moment.'}</p>
        <ProgressBar label="Generation progress" max={100} valueText={generation.waitingFor ?? 'Queued'} />
        {reconnecting && <p className="muted">Reconnecting… the status may be behind until the connection is back.</p>}
      </>
    );
  }
  if (generation.status === 'running') {
    const percent = Math.round(generation.progress * 100);
    const image = Math.min(batch, Math.floor(generation.progress * batch) + 1);
    return (
      <>
        <p className="job-line">“{prompt}”</p>
        <ProgressBar
          label="Generation progress"
          max={100}
          value={percent}
          valueText={batch > 1 ? `Picture ${image} of ${batch}, ${percent}% in all` : `${percent}%`}
        />
        <p className="muted">{batch > 1 ? `Picture ${image} of ${batch} · ${percent}%` : `${percent}%`}</p>
        {reconnecting && <p className="muted">Reconnecting… the status may be behind until the connection is back.</p>}
      </>
    );
  }
  if (generation.status === 'failed') {
    return (
      <div className="inline-error">
        <p>{generation.error?.message ?? 'The pictures could not be made.'}</p>
        <p>
          <strong>What to do next:</strong> try again; if it fails again, check the <Link to={paths.system}>System page</Link>.
        </p>
      </div>
    );
  }
  if (generation.status === 'cancelled') return <p className="muted">Cancelled. Nothing was kept.</p>;
  return (
    <>
      <p className="job-line">“{prompt}”</p>
      <ul className="job-outputs">
        {generation.outputs.map((output) => (
          <li key={output.id}>
            <a href={output.url} target="_blank" rel="noopener noreferrer">
              <img
                src={output.url}
                alt={`${prompt} (picture ${output.index + 1} of ${generation.outputs.length}, seed ${output.seed})`}
                width={output.width}
                height={output.height}
              />
            </a>
            <LikenessBadge generation={generation} output={output} />
          </li>
        ))}
      </ul>
      <p>
        <Link to={paths.gallery}>See them in the gallery</Link>, where you can download, vary or delete them.
      </p>
    </>
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
