import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { generationPageSchema } from '../../../../../lib/contracts/generations';
import { apiRequest } from '../../../lib/api-client';
import { awaitsLikeness, GALLERY_REFRESH_MS, isGenerationActive } from './get-generation';
import { dayRange } from '../utils/gallery-url';
import { generationKeys, type GalleryFilters } from './generation-keys';

export const GALLERY_PAGE_SIZE = 24;
/** While something in the gallery is being made or scored, the gallery refreshes itself this often. */
export function getGenerations(filters: GalleryFilters, cursor: string | undefined, signal?: AbortSignal) {
  const query = new URLSearchParams({ limit: String(GALLERY_PAGE_SIZE) });
  if (filters.characterId) query.set('characterId', filters.characterId);
  if (filters.loraId) query.set('loraId', filters.loraId);
  if (filters.sort) query.set('sort', filters.sort);
  if (filters.recognisable) query.set('recognisable', 'true');
  if (filters.favourite) query.set('favourite', 'true');
  const { from, to } = dayRange(filters);
  if (from) query.set('from', from);
  if (to) query.set('to', to);
  if (cursor) query.set('cursor', cursor);
  return apiRequest(`/generations?${query}`, generationPageSchema, { signal });
}

export function generationsQueryOptions(filters: GalleryFilters) {
  return infiniteQueryOptions({
    queryKey: generationKeys.list(filters),
    queryFn: ({ pageParam, signal }) => getGenerations(filters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    staleTime: 10_000,
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => p.items.some((g) => isGenerationActive(g) || awaitsLikeness(g))) ? GALLERY_REFRESH_MS : false,
  });
}

export function useGenerations(filters: GalleryFilters) {
  return useInfiniteQuery(generationsQueryOptions(filters));
}
