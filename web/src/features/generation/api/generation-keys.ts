import { queryKeyRoots } from '../../../lib/query-client';

export interface GalleryFilters {
  characterId?: string;
  loraId?: string;
  /** Most alike first (each generation by its most alike picture) instead of newest first. */
  sort?: 'likeness';
  /** Only pictures recognisable as their character. */
  recognisable?: boolean;
  /** Only favourite pictures. */
  favourite?: boolean;
  /** Made on or after this day (YYYY-MM-DD, the person's own time zone). */
  from?: string;
  /** Made on or before this day (YYYY-MM-DD). */
  to?: string;
}

export const generationKeys = {
  all: [queryKeyRoots.generations] as const,
  lists: () => [...generationKeys.all, 'list'] as const,
  list: (filters: GalleryFilters) => [...generationKeys.lists(), filters] as const,
  detail: (id: string) => [...generationKeys.all, 'detail', id] as const,
};
