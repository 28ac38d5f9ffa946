import { queryKeyRoots } from '../../../lib/query-client';

export interface GalleryFilters {
  characterId?: string;
  loraId?: string;
}

export const generationKeys = {
  all: [queryKeyRoots.generations] as const,
  lists: () => [...generationKeys.all, 'list'] as const,
  list: (filters: GalleryFilters) => [...generationKeys.lists(), filters] as const,
  detail: (id: string) => [...generationKeys.all, 'detail', id] as const,
};
