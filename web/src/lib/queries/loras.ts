import { queryOptions, useQueries, useQuery } from '@tanstack/react-query';
import { loraListSchema, loraSchema, type Lora } from '../../../../lib/contracts/loras';
import { apiRequest } from '../api-client';
import { queryKeyRoots } from '../query-client';
import { useCharacters } from './characters';

/** LoRAs are listed on the character page, picked on the Generate page and used as a gallery filter. */
export const loraKeys = {
  all: [queryKeyRoots.loras] as const,
  ofCharacter: (characterId: string) => [...loraKeys.all, 'character', characterId] as const,
  detail: (id: string) => [...loraKeys.all, 'detail', id] as const,
};

export function getLoras(characterId: string, signal?: AbortSignal) {
  return apiRequest(`/characters/${encodeURIComponent(characterId)}/loras`, loraListSchema, { signal });
}

export function lorasQueryOptions(characterId: string) {
  return queryOptions({
    queryKey: loraKeys.ofCharacter(characterId),
    queryFn: ({ signal }) => getLoras(characterId, signal),
  });
}

export function useLoras(characterId: string | undefined) {
  return useQuery({ ...lorasQueryOptions(characterId ?? ''), enabled: Boolean(characterId) });
}

export function getLora(id: string, signal?: AbortSignal) {
  return apiRequest(`/loras/${encodeURIComponent(id)}`, loraSchema, { signal });
}

export interface CharacterLoras {
  characterId: string;
  characterName: string;
  loras: Lora[];
}

/**
 * Every LoRA, grouped by character (newest first). The API lists LoRAs per character only, so this asks once per
 * character; the answers are shared with the character pages' caches.
 */
export function useAllLoras(): { groups: CharacterLoras[]; isPending: boolean; error: Error | null } {
  const characters = useCharacters();
  const items = characters.data?.items ?? [];
  const results = useQueries({ queries: items.map((c) => lorasQueryOptions(c.id)) });
  const groups = items
    .map((c, i) => ({
      characterId: c.id,
      characterName: c.name,
      loras: [...(results[i]?.data?.items ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    }))
    .filter((g) => g.loras.length > 0);
  return {
    groups,
    isPending: characters.isPending || results.some((r) => r.isPending),
    error: characters.error ?? results.find((r) => r.error)?.error ?? null,
  };
}
