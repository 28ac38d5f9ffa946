import { queryOptions, useQuery } from '@tanstack/react-query';
import { checkpointListSchema } from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { trainingKeys } from './training-keys';

export function getCheckpoints(id: string, signal?: AbortSignal) {
  return apiRequest(`/trainings/${encodeURIComponent(id)}/checkpoints`, checkpointListSchema, { signal });
}

/**
 * Keyed by the run's last checkpoint step and its recommended one too, so the list is read again each time the run
 * saves, and when it recommends a checkpoint at its end.
 */
export function checkpointsQueryOptions(id: string, lastCheckpointStep: number | null, recommendedStep: number | null = null) {
  return queryOptions({
    queryKey: [...trainingKeys.checkpoints(id), lastCheckpointStep, recommendedStep] as const,
    queryFn: ({ signal }) => getCheckpoints(id, signal),
    staleTime: 10_000,
  });
}

export function useCheckpoints(id: string, lastCheckpointStep: number | null, recommendedStep: number | null = null) {
  return useQuery(checkpointsQueryOptions(id, lastCheckpointStep, recommendedStep));
}
