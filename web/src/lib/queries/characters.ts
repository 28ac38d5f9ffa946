import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { characterListSchema, characterSchema } from '../../../../lib/contracts/characters';
import { apiRequest } from '../api-client';
import { queryKeyRoots } from '../query-client';

/** Characters are read by several features (photos, training, generation, the gallery's filters). */
export const characterKeys = {
  all: [queryKeyRoots.characters] as const,
  lists: () => [...characterKeys.all, 'list'] as const,
  detail: (id: string) => [...characterKeys.all, 'detail', id] as const,
};

export function getCharacters(signal?: AbortSignal) {
  return apiRequest('/characters', characterListSchema, { signal });
}

export function charactersQueryOptions() {
  return queryOptions({
    queryKey: characterKeys.lists(),
    queryFn: ({ signal }) => getCharacters(signal),
  });
}

export function useCharacters() {
  return useQuery(charactersQueryOptions());
}

export function getCharacter(id: string, signal?: AbortSignal) {
  return apiRequest(`/characters/${encodeURIComponent(id)}`, characterSchema, { signal });
}

export function characterQueryOptions(id: string) {
  return queryOptions({
    queryKey: characterKeys.detail(id),
    queryFn: ({ signal }) => getCharacter(id, signal),
  });
}

/** Starts from the list's copy when there is one, so opening a character from the list costs no wait. */
export function useCharacter(id: string, options: { enabled?: boolean } = {}) {
  const queryClient = useQueryClient();
  const listKey = charactersQueryOptions().queryKey;
  return useQuery({
    ...characterQueryOptions(id),
    enabled: options.enabled ?? true,
    initialData: () => queryClient.getQueryData(listKey)?.items.find((c) => c.id === id),
    initialDataUpdatedAt: () => queryClient.getQueryState(listKey)?.dataUpdatedAt,
  });
}
