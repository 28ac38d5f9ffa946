import { queryOptions, useQuery } from '@tanstack/react-query';
import { generationSchema, type Generation } from '../../../../../lib/contracts/generations';
import { apiRequest } from '../../../lib/api-client';
import { generationKeys } from './generation-keys';

export const isGenerationActive = (g: Pick<Generation, 'status'>) => g.status === 'queued' || g.status === 'running';

/** Cancel was asked for (noted by the server) and the workflow has not ended the generation yet. */
export const isCancelRequested = (g: Pick<Generation, 'status' | 'cancelRequestedAt'>) =>
  isGenerationActive(g) && g.cancelRequestedAt !== null;

export function getGeneration(id: string, signal?: AbortSignal) {
  return apiRequest(`/generations/${encodeURIComponent(id)}`, generationSchema, { signal });
}

export function generationQueryOptions(id: string) {
  return queryOptions({
    queryKey: generationKeys.detail(id),
    queryFn: ({ signal }) => getGeneration(id, signal),
    staleTime: Infinity,
  });
}

export function useGeneration(id: string | undefined) {
  return useQuery({ ...generationQueryOptions(id ?? ''), enabled: Boolean(id) });
}
