import { queryOptions, useQuery } from '@tanstack/react-query';
import { characterListSchema } from '../../../../../lib/contracts/characters';
import { apiRequest } from '../../../lib/api-client';
import { characterKeys } from './character-keys';

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
