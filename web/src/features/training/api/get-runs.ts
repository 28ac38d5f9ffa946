import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import {
  PRESET_IDS,
  TRAINING_STATUSES,
  trainingRunPageSchema,
  type PresetId,
  type TrainingStatus,
} from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { isRunActive } from './get-training-runs';
import { trainingKeys } from './training-keys';

/** The filters of the Training page; in its address as `?status=&character=&preset=`. */
export interface RunFilters {
  status?: TrainingStatus | undefined;
  characterId?: string | undefined;
  preset?: PresetId | undefined;
}

export const RUNS_PAGE_SIZE = 25;
/** While a listed run is active, the list refreshes itself this often. */
export const RUNS_REFRESH_MS = 3_000;

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.includes(value as T) ? (value as T) : undefined;

export function runFiltersFromSearch(search: URLSearchParams): RunFilters {
  return {
    status: oneOf(TRAINING_STATUSES, search.get('status')),
    characterId: search.get('character') || undefined,
    preset: oneOf(PRESET_IDS, search.get('preset')),
  };
}

export function runFiltersToSearch(filters: RunFilters): URLSearchParams {
  const search = new URLSearchParams();
  if (filters.status) search.set('status', filters.status);
  if (filters.characterId) search.set('character', filters.characterId);
  if (filters.preset) search.set('preset', filters.preset);
  return search;
}

export function getRuns(filters: RunFilters, cursor: string | undefined, signal?: AbortSignal) {
  const query = new URLSearchParams({ limit: String(RUNS_PAGE_SIZE) });
  if (filters.status) query.set('status', filters.status);
  if (filters.characterId) query.set('characterId', filters.characterId);
  if (filters.preset) query.set('preset', filters.preset);
  if (cursor) query.set('cursor', cursor);
  return apiRequest(`/trainings?${query}`, trainingRunPageSchema, { signal });
}

export function runsQueryOptions(filters: RunFilters) {
  return infiniteQueryOptions({
    queryKey: [...trainingKeys.all, 'every', filters] as const,
    queryFn: ({ pageParam, signal }) => getRuns(filters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    staleTime: 5_000,
    refetchInterval: (query) => (query.state.data?.pages.some((p) => p.items.some(isRunActive)) ? RUNS_REFRESH_MS : false),
  });
}

export function useRuns(filters: RunFilters) {
  return useInfiniteQuery(runsQueryOptions(filters));
}
