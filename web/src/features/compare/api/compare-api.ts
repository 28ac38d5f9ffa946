import { queryOptions, useMutation, useQueries, useQuery, useQueryClient, type Query } from '@tanstack/react-query';
import { generationSchema, type Generation, type GenerationInput } from '../../../../../lib/contracts/generations';
import { loraSchema } from '../../../../../lib/contracts/loras';
import { checkpointListSchema, trainingRunListSchema, trainingRunSchema } from '../../../../../lib/contracts/training';
import { apiRequest } from '../../../lib/api-client';
import { queryKeyRoots } from '../../../lib/query-client';
import { loraKeys } from '../../../lib/queries/loras';

/** The comparison page reads runs, checkpoints and generations through the same API as the other pages. */
const compareKeys = {
  runs: (characterId: string) => [queryKeyRoots.trainings, 'character', characterId] as const,
  run: (id: string) => [queryKeyRoots.trainings, 'detail', id] as const,
  checkpoints: (runId: string) => [queryKeyRoots.trainings, 'checkpoints', runId, 'compare'] as const,
  generation: (id: string) => [queryKeyRoots.generations, 'detail', id] as const,
  generationLists: [queryKeyRoots.generations, 'list'] as const,
};

export function useRuns(characterId: string | undefined) {
  return useQuery({
    queryKey: compareKeys.runs(characterId ?? ''),
    queryFn: ({ signal }) => apiRequest(`/characters/${encodeURIComponent(characterId ?? '')}/trainings`, trainingRunListSchema, { signal }),
    enabled: Boolean(characterId),
  });
}

export function useRun(id: string | undefined) {
  return useQuery({
    queryKey: compareKeys.run(id ?? ''),
    queryFn: ({ signal }) => apiRequest(`/trainings/${encodeURIComponent(id ?? '')}`, trainingRunSchema, { signal }),
    enabled: Boolean(id),
  });
}

export function useRunCheckpoints(runId: string | undefined) {
  return useQuery({
    queryKey: compareKeys.checkpoints(runId ?? ''),
    queryFn: ({ signal }) => apiRequest(`/trainings/${encodeURIComponent(runId ?? '')}/checkpoints`, checkpointListSchema, { signal }),
    enabled: Boolean(runId),
  });
}

/** "Keep as a version": the checkpoint becomes a LoRA of the character (201), or answers the one it already is (200). */
export function useKeepAsVersion() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ runId, which }: { runId: string; characterId: string; which: string }) =>
      apiRequest(`/trainings/${encodeURIComponent(runId)}/checkpoints/${encodeURIComponent(which)}/lora`, loraSchema, { method: 'POST' }),
    onSuccess: (_lora, { runId, characterId }) =>
      Promise.all([
        // This page's list and the run page's alike.
        queryClient.invalidateQueries({ queryKey: [queryKeyRoots.trainings, 'checkpoints', runId] }),
        queryClient.invalidateQueries({ queryKey: loraKeys.ofCharacter(characterId) }),
      ]),
  });
}

export function startGeneration(input: GenerationInput) {
  return apiRequest('/generations', generationSchema, { method: 'POST', body: input });
}

export function cancelGeneration(id: string) {
  return apiRequest(`/generations/${encodeURIComponent(id)}/cancel`, generationSchema, { method: 'POST' });
}

export const isActive = (g: Pick<Generation, 'status'>) => g.status === 'queued' || g.status === 'running';

/** After its pictures are made, their likeness is scored in the background: asked for again this long at most. */
const SCORING_WAIT_MS = 3 * 60_000;

/** How often a cell's generation is read again: while it is made, then while its pictures' likeness is scored. */
export function pollInterval(g: Generation | undefined, everyMs: number, now = Date.now()): number | false {
  if (!g || isActive(g)) return everyMs;
  const scoring = g.status === 'completed' && g.characterId !== null && g.outputs.some((o) => o.likeness === null);
  const finished = g.finishedAt ? Date.parse(g.finishedAt) : now;
  return scoring && now - finished < SCORING_WAIT_MS ? everyMs * 2 : false;
}

export function generationQuery(id: string, everyMs: number) {
  return queryOptions({
    queryKey: compareKeys.generation(id),
    queryFn: ({ signal }) => apiRequest(`/generations/${encodeURIComponent(id)}`, generationSchema, { signal }),
    refetchInterval: (query: Query<Generation, Error, Generation, readonly unknown[]>) => pollInterval(query.state.data, everyMs),
  });
}

/**
 * The grid's generations, read again while they are made and scored (polling rather than one event stream per cell:
 * a grid has up to 32 generations, more than the API lets one client follow live).
 */
export function useGridGenerations(ids: string[], everyMs: number): Map<string, Generation> {
  const results = useQueries({ queries: ids.map((id) => generationQuery(id, everyMs)) });
  const byId = new Map<string, Generation>();
  results.forEach((r, i) => r.data && byId.set(ids[i]!, r.data));
  return byId;
}

/** A grid's generations started or cancelled: the gallery lists are read again. */
export function useRefreshGallery() {
  const queryClient = useQueryClient();
  return (started: Generation[]) => {
    for (const g of started) queryClient.setQueryData(compareKeys.generation(g.id), g);
    return queryClient.invalidateQueries({ queryKey: compareKeys.generationLists });
  };
}
