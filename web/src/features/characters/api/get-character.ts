import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { characterSchema } from '../../../../../lib/contracts/characters';
import { apiRequest } from '../../../lib/api-client';
import { characterKeys } from './character-keys';
import { charactersQueryOptions } from './get-characters';

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
export function useCharacter(id: string) {
  const queryClient = useQueryClient();
  const listKey = charactersQueryOptions().queryKey;
  return useQuery({
    ...characterQueryOptions(id),
    initialData: () => queryClient.getQueryData(listKey)?.items.find((c) => c.id === id),
    initialDataUpdatedAt: () => queryClient.getQueryState(listKey)?.dataUpdatedAt,
  });
}
