import { ExternalLink } from '../../../components/ui/external-link';
import { useHealth } from '../api/get-health';
import { temporalWorkflowUrl } from '../utils/temporal-ui';

/** A job's workflow in the Temporal UI, for operators; nothing when the UI's address is unknown. */
export function WorkflowLink({ workflowId }: { workflowId: string }) {
  const { data } = useHealth();
  if (!data?.temporalUiUrl) return <code>{workflowId}</code>;
  return (
    <ExternalLink href={temporalWorkflowUrl(data.temporalUiUrl, data.temporalNamespace, workflowId)}>
      Open the workflow in the Temporal UI
    </ExternalLink>
  );
}

export const renderWorkflowLink = (workflowId: string) => <WorkflowLink workflowId={workflowId} />;
