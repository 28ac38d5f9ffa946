import { queryOptions, useQuery } from '@tanstack/react-query';
import { trainingRunSchema } from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { trainingKeys } from './training-keys';

export function getTrainingRun(id: string, signal?: AbortSignal) {
  return apiRequest(`/trainings/${encodeURIComponent(id)}`, trainingRunSchema, { signal });
}

/** The event stream keeps an open run fresh, so the query never goes stale by itself. */
export function trainingRunQueryOptions(id: string) {
  return queryOptions({
    queryKey: trainingKeys.detail(id),
    queryFn: ({ signal }) => getTrainingRun(id, signal),
    staleTime: Infinity,
  });
}

export function useTrainingRun(id: string) {
  return useQuery(trainingRunQueryOptions(id));
}
