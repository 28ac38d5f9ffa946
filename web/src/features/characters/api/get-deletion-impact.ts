import { useQuery } from '@tanstack/react-query';
import { deletionImpactSchema } from '../../../../../lib/contracts/character-impact';
import { apiRequest } from '../../../lib/api-client';
import { queryKeyRoots } from '../../../lib/query-client';

export function getDeletionImpact(characterId: string, signal?: AbortSignal) {
  return apiRequest(`/characters/${encodeURIComponent(characterId)}/deletion-impact`, deletionImpactSchema, { signal });
}

/** What deleting the character would take with it, read fresh each time the dialog opens (and while jobs run). */
export function useDeletionImpact(characterId: string) {
  return useQuery({
    queryKey: [queryKeyRoots.characters, 'deletion-impact', characterId] as const,
    queryFn: ({ signal }) => getDeletionImpact(characterId, signal),
    staleTime: 0,
    gcTime: 0,
    refetchInterval: (query) => {
      const data = query.state.data;
      return data && data.activeTrainings.length + data.activeGenerations.length > 0 ? 3_000 : false;
    },
  });
}
