import { ExternalLink } from '../../../components/ui/external-link';
import { useHealth } from '../api/get-health';
import { temporalWorkflowsUrl } from '../utils/temporal-ui';

/** For operators: where every job's workflow can be inspected. Hidden when the UI's address is unknown. */
export function TemporalUiLink() {
  const { data } = useHealth();
  if (!data?.temporalUiUrl) return null;
  return (
    <ExternalLink href={temporalWorkflowsUrl(data.temporalUiUrl, data.temporalNamespace)} className="header-link">
      Temporal UI
    </ExternalLink>
  );
}
