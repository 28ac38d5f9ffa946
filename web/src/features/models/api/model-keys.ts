import { queryKeyRoots } from '../../../lib/query-client';

export const modelKeys = {
  all: [queryKeyRoots.models] as const,
  list: () => [...modelKeys.all, 'list'] as const,
};
