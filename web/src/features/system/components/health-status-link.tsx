import { Link } from 'react-router';
import { paths } from '../../../config/paths';
import { useHealth } from '../api/get-health';
import { STATUS_LABELS } from '../utils/describe-health';

/** A compact status line with a link to the System page, for the footer. */
export function HealthStatusLink() {
  const health = useHealth();
  const status = health.isError ? 'unreachable' : (health.data?.status ?? 'checking');
  const label = health.isError
    ? 'Server unreachable'
    : health.data
      ? STATUS_LABELS[health.data.status]
      : 'Checking…';
  return (
    <Link to={paths.system} className="status-link">
      <span className={`status-dot status-dot--${status}`} aria-hidden="true" />
      System: {label}
    </Link>
  );
}
