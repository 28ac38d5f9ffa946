import { Link } from 'react-router';
import { paths } from '../../../config/paths';
import { Button } from '../../../components/ui/button';
import { HEALTH_REFRESH_MS, useHealth } from '../api/get-health';
import { failingChecks, healthHeadline } from '../utils/describe-health';

/** Says, in plain words, what is wrong when the system is degraded or down, or cannot be reached at all. */
export function HealthBanner() {
  const health = useHealth();
  const seconds = HEALTH_REFRESH_MS / 1000;

  if (health.isError) {
    return (
      <section role="alert" className="banner banner--danger" aria-labelledby="health-banner-title">
        <p id="health-banner-title" className="banner-title">
          Cannot reach the Isengard server
        </p>
        <p>
          {health.error.message} This page checks again every {seconds} seconds.
        </p>
        <div className="banner-actions">
          <Button onClick={() => void health.refetch()} disabled={health.isFetching}>
            {health.isFetching ? 'Checking…' : 'Check again'}
          </Button>
        </div>
      </section>
    );
  }
  if (!health.data) return null;
  const headline = healthHeadline(health.data);
  if (!headline) return null;

  const down = health.data.status === 'down';
  return (
    <section
      role={down ? 'alert' : 'status'}
      className={down ? 'banner banner--danger' : 'banner banner--warning'}
      aria-labelledby="health-banner-title"
    >
      <p id="health-banner-title" className="banner-title">
        {headline}
      </p>
      <ul className="banner-list">
        {failingChecks(health.data).map((check) => (
          <li key={check.name}>
            <strong>{check.label}:</strong> {check.message}
          </li>
        ))}
      </ul>
      <p className="banner-actions">
        <Link to={paths.system}>See the System page</Link> for details. This banner updates by itself.
      </p>
    </section>
  );
}
