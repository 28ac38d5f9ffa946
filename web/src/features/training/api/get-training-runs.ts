import { queryOptions, useQuery } from '@tanstack/react-query';
import { trainingRunListSchema, type TrainingRun } from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { trainingKeys } from './training-keys';

export const isRunActive = (run: Pick<TrainingRun, 'status'>) => run.status === 'queued' || run.status === 'running';

/** While a run is active the history refreshes itself, so its step count and status stay current. */
export const HISTORY_REFRESH_MS = 3_000;

export function getTrainingRuns(characterId: string, signal?: AbortSignal) {
  return apiRequest(`/characters/${encodeURIComponent(characterId)}/trainings`, trainingRunListSchema, { signal });
}

export function trainingRunsQueryOptions(characterId: string) {
  return queryOptions({
    queryKey: trainingKeys.ofCharacter(characterId),
    queryFn: ({ signal }) => getTrainingRuns(characterId, signal),
    staleTime: 5_000,
    refetchInterval: (query) => (query.state.data?.items.some(isRunActive) ? HISTORY_REFRESH_MS : false),
  });
}

export function useTrainingRuns(characterId: string | undefined) {
  return useQuery({ ...trainingRunsQueryOptions(characterId ?? ''), enabled: Boolean(characterId) });
}
