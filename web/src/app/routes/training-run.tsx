import { useParams } from 'react-router';
import { RunView } from '../../features/training/components/run-view';
import { renderWorkflowLink } from '../../features/system/components/workflow-link';

export function TrainingRunRoute() {
  const { id = '' } = useParams();
  return <RunView key={id} runId={id} renderWorkflowLink={renderWorkflowLink} />;
}

export default TrainingRunRoute;
