import { queryKeyRoots } from '../../../lib/query-client';

export const characterKeys = {
  all: [queryKeyRoots.characters] as const,
  lists: () => [...characterKeys.all, 'list'] as const,
  detail: (id: string) => [...characterKeys.all, 'detail', id] as const,
};
