import { useQuery } from '@tanstack/react-query';
import { checkpointListSchema } from '../../../../../lib/contracts/training';
import { ApiError, apiRequest } from '../../../lib/api-client';
import { queryKeyRoots } from '../../../lib/query-client';
import type { CheckpointSetting } from '../params/generation-params';

/** A run's checkpoints as they are now; null when the run itself is gone (404). */
async function getRunCheckpoints(runId: string, signal?: AbortSignal) {
  try {
    return (await apiRequest(`/trainings/${encodeURIComponent(runId)}/checkpoints`, checkpointListSchema, { signal })).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/**
 * Whether the checkpoint the form holds has gone since (the trainer keeps only the newest few; a run can be deleted):
 * true once the server says so, false while it is being asked or cannot be asked.
 */
export function useCheckpointGone(checkpoint: CheckpointSetting | null): boolean {
  const runId = checkpoint?.runId ?? '';
  const { data } = useQuery({
    queryKey: [queryKeyRoots.trainings, 'checkpoints', runId, 'generate'] as const,
    queryFn: ({ signal }) => getRunCheckpoints(runId, signal),
    enabled: checkpoint !== null,
    staleTime: 10_000,
  });
  if (!checkpoint || data === undefined) return false;
  return !data?.some((c) => (checkpoint.final ? c.final : !c.final && c.step === checkpoint.step));
}
