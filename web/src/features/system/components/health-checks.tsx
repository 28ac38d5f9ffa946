import type { Health } from '../../../../../lib/contracts/health';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { ExternalLink } from '../../../components/ui/external-link';
import { useHealth } from '../api/get-health';
import { checkLines, STATUS_LABELS, VOLUME_STATES, volumeLines } from '../utils/describe-health';
import { temporalWorkflowsUrl } from '../utils/temporal-ui';

const statusTone = { ok: 'success', degraded: 'warning', down: 'danger' } as const;

export function HealthChecks() {
  const health = useHealth();
  return (
    <section className="card" aria-labelledby="health-checks-title">
      <div className="card-heading-row">
        <h2 id="health-checks-title" className="card-title">
          Health
        </h2>
        <Button variant="quiet" onClick={() => void health.refetch()} disabled={health.isFetching}>
          {health.isFetching ? 'Checking…' : 'Check again'}
        </Button>
      </div>
      {health.isPending && <p className="muted">Checking…</p>}
      {health.isError && (
        <p role="alert" className="form-error">
          {health.error.message}
        </p>
      )}
      {health.data && <HealthReport health={health.data} />}
    </section>
  );
}

function HealthReport({ health }: { health: Health }) {
  return (
    <>
      <p>
        <Badge tone={statusTone[health.status]}>{STATUS_LABELS[health.status]}</Badge>{' '}
        <span className="muted">
          Mode: {health.mode === 'fast-test' ? 'fast-test (simulated engines)' : 'production'} · Namespace:{' '}
          <code>{health.temporalNamespace}</code>
        </span>
      </p>
      <ul className="check-list">
        {checkLines(health).map((check) => (
          <li key={check.name} className="check-item">
            <Badge tone={check.ok ? 'success' : 'danger'}>{check.ok ? 'OK' : 'Problem'}</Badge>
            <div>
              <p className="check-label">{check.label}</p>
              <p className="check-message">{check.message}</p>
              {check.name === 'disk' && <DiskVolumes health={health} />}
            </div>
          </li>
        ))}
      </ul>
      {health.temporalUiUrl && (
        <p>
          Operators can follow every job in the <ExternalLink href={temporalWorkflowsUrl(health.temporalUiUrl, health.temporalNamespace)}>Temporal UI</ExternalLink>.
        </p>
      )}
    </>
  );
}

/** Free space per volume, under the disk check; a volume below the warning threshold or the reserve stands out. */
function DiskVolumes({ health }: { health: Health }) {
  const lines = volumeLines(health);
  if (lines.length === 0) return null;
  return (
    <ul className="check-volumes" aria-label="Free space per volume">
      {lines.map((line) => (
        <li key={line.name}>
          {line.state !== 'ok' && <Badge tone={VOLUME_STATES[line.state].tone}>{VOLUME_STATES[line.state].text}</Badge>}{' '}
          {line.label}: {line.text} <code className="muted">{line.path}</code>
        </li>
      ))}
    </ul>
  );
}
