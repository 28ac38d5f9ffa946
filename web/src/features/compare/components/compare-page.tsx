import { useSearchParams } from 'react-router';
import { PageHeader } from '../../../components/layout/page-header';
import { CompareView } from './compare-view';

/** `/compare?run=<id>` (from a run's page) or `/compare?character=<id>` (from a character's page). */
export function ComparePage() {
  const [params] = useSearchParams();
  const runId = params.get('run') ?? undefined;
  const characterId = params.get('character') ?? undefined;
  return (
    <>
      <PageHeader
        title="Compare"
        description="Pictures side by side, made with a run's checkpoints or at several LoRA strengths, each with its likeness to the character."
      />
      <CompareView key={`${runId ?? ''}:${characterId ?? ''}`} runId={runId} characterId={characterId} />
    </>
  );
}

export default ComparePage;
