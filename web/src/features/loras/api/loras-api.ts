import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { loraEntryListSchema, loraImpactSchema, loraSchema, type UpdateLoraInput } from '../../../../../lib/contracts/loras';
import { apiRequest, apiSend } from '../../../lib/api-client';
import { loraKeys } from '../../../lib/queries/loras';
import { queryKeyRoots } from '../../../lib/query-client';

/** The filters of the LoRAs page; in its address as `?character=&favourite=true`. */
export interface LoraFilters {
  characterId?: string | undefined;
  favourite?: boolean | undefined;
}

export function loraFiltersFromSearch(search: URLSearchParams): LoraFilters {
  return { characterId: search.get('character') || undefined, favourite: search.get('favourite') === 'true' || undefined };
}

export function loraFiltersToSearch(filters: LoraFilters): URLSearchParams {
  const search = new URLSearchParams();
  if (filters.characterId) search.set('character', filters.characterId);
  if (filters.favourite) search.set('favourite', 'true');
  return search;
}

export function getLoraEntries(filters: LoraFilters, signal?: AbortSignal) {
  const query = new URLSearchParams();
  if (filters.characterId) query.set('characterId', filters.characterId);
  if (filters.favourite) query.set('favourite', 'true');
  return apiRequest(`/loras${query.size > 0 ? `?${query}` : ''}`, loraEntryListSchema, { signal });
}

export function loraEntriesQueryOptions(filters: LoraFilters) {
  return queryOptions({
    queryKey: [...loraKeys.all, 'every', filters] as const,
    queryFn: ({ signal }) => getLoraEntries(filters, signal),
    staleTime: 5_000,
  });
}

export function useLoraEntries(filters: LoraFilters) {
  return useQuery(loraEntriesQueryOptions(filters));
}

export function useLoraImpact(id: string) {
  return useQuery({
    queryKey: [...loraKeys.detail(id), 'impact'] as const,
    queryFn: ({ signal }) => apiRequest(`/loras/${encodeURIComponent(id)}/impact`, loraImpactSchema, { signal }),
    staleTime: 0,
  });
}

/**
 * A LoRA changed or went: every list of LoRAs (and of runs, which name them) is refreshed. A deleted LoRA's own
 * queries are left alone (asking for them again would only answer 404 while its dialog closes).
 */
function useRefreshModels() {
  const queryClient = useQueryClient();
  return (deletedId?: string) => {
    const deleted = deletedId ? loraKeys.detail(deletedId) : undefined;
    const isDeleted = (key: readonly unknown[]) => deleted !== undefined && deleted.every((part, i) => key[i] === part);
    return Promise.all([
      queryClient.invalidateQueries({ queryKey: loraKeys.all, predicate: (query) => !isDeleted(query.queryKey) }),
      queryClient.invalidateQueries({ queryKey: [queryKeyRoots.trainings] }),
    ]);
  };
}

export function useUpdateLora() {
  const refresh = useRefreshModels();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: UpdateLoraInput }) =>
      apiRequest(`/loras/${encodeURIComponent(id)}`, loraSchema, { method: 'PATCH', body: patch }),
    onSuccess: () => refresh(),
  });
}

export function useDeleteLora() {
  const refresh = useRefreshModels();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/loras/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: (_answer, id) => refresh(id),
  });
}
