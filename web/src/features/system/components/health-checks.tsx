import type { Health } from '../../../../../lib/contracts/health';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { ExternalLink } from '../../../components/ui/external-link';
import { useHealth } from '../api/get-health';
import { checkLines, STATUS_LABELS } from '../utils/describe-health';
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
