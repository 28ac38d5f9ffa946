import { queryOptions, useQuery } from '@tanstack/react-query';
import { generationSchema, type Generation } from '../../../../../lib/contracts/generations';
import { apiRequest } from '../../../lib/api-client';
import { generationKeys } from './generation-keys';

export const isGenerationActive = (g: Pick<Generation, 'status'>) => g.status === 'queued' || g.status === 'running';

/** Cancel was asked for (noted by the server) and the workflow has not ended the generation yet. */
export const isCancelRequested = (g: Pick<Generation, 'status' | 'cancelRequestedAt'>) =>
  isGenerationActive(g) && g.cancelRequestedAt !== null;

export const GALLERY_REFRESH_MS = 2_000;
/** How long after a generation finished its pages keep looking for its pictures' likeness scores. */
const AWAIT_SCORES_MS = 10 * 60_000;

/** A character's generation, finished within the last minutes, whose pictures' scores have not all come yet. */
export function awaitsLikeness(generation: Generation, now = Date.now()): boolean {
  const finished = generation.finishedAt ? Date.parse(generation.finishedAt) : Number.NaN;
  return generation.characterId !== null && now - finished < AWAIT_SCORES_MS && generation.outputs.some((o) => o.likeness === null);
}

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

/** A generation; once it completed, read again until its pictures' likeness scores have come (they follow the job). */
export function useGeneration(id: string | undefined) {
  return useQuery({
    ...generationQueryOptions(id ?? ''),
    enabled: Boolean(id),
    refetchInterval: (query) => (query.state.data?.status === 'completed' && awaitsLikeness(query.state.data) ? GALLERY_REFRESH_MS : false),
  });
}
