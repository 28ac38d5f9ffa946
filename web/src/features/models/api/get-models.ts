import { queryOptions, useQuery } from '@tanstack/react-query';
import { modelListSchema, type ModelList } from '../../../../../lib/contracts/models';
import { apiRequest } from '../../../lib/api-client';
import { modelKeys } from './model-keys';

export const MODELS_POLL_MS = 1_000;

export const isDownloading = (list: ModelList | undefined) => list?.items.some((m) => m.state === 'downloading') ?? false;

export function getModels(signal?: AbortSignal) {
  return apiRequest('/models', modelListSchema, { signal });
}

export function modelsQueryOptions() {
  return queryOptions({
    queryKey: modelKeys.list(),
    queryFn: ({ signal }) => getModels(signal),
    staleTime: MODELS_POLL_MS,
    // Live progress while something downloads; otherwise nothing changes on its own.
    refetchInterval: (query) => (isDownloading(query.state.data) ? MODELS_POLL_MS : false),
  });
}

export function useModels() {
  return useQuery(modelsQueryOptions());
}
