import { useMutation, useQueryClient } from '@tanstack/react-query';
import { generationSchema, type Generation, type GenerationInput } from '../../../../../lib/contracts/generations';
import { apiRequest, apiSend } from '../../../lib/api-client';
import { generationQueryOptions, isGenerationActive } from './get-generation';
import { generationKeys } from './generation-keys';

export function createGeneration(input: GenerationInput) {
  return apiRequest('/generations', generationSchema, { method: 'POST', body: input });
}

/** The generation again (a new seed with `varySeed`); with `outputId`, only that picture, from its own seed. */
export function rerunGeneration({ id, varySeed, outputId }: { id: string; varySeed: boolean; outputId?: string }) {
  return apiRequest(`/generations/${encodeURIComponent(id)}/rerun`, generationSchema, {
    method: 'POST',
    body: outputId === undefined ? { varySeed } : { varySeed, outputId },
  });
}

export function cancelGeneration(id: string) {
  return apiRequest(`/generations/${encodeURIComponent(id)}/cancel`, generationSchema, { method: 'POST' });
}

export function deleteGeneration(id: string) {
  return apiSend(`/generations/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** A new generation: cached at once (its page shows without a request) and the gallery refreshed. */
function useStarted() {
  const queryClient = useQueryClient();
  return (generation: Generation) => {
    queryClient.setQueryData(generationQueryOptions(generation.id).queryKey, generation);
    return queryClient.invalidateQueries({ queryKey: generationKeys.lists() });
  };
}

export function useCreateGeneration() {
  const onSuccess = useStarted();
  return useMutation({ mutationFn: createGeneration, onSuccess });
}

export function useRerunGeneration() {
  const onSuccess = useStarted();
  return useMutation({ mutationFn: rerunGeneration, onSuccess });
}

export function useCancelGeneration() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: cancelGeneration,
    onSuccess: (generation) => {
      // The answer may come after the stream has already said the generation ended: that is newer, keep it.
      queryClient.setQueryData(generationQueryOptions(generation.id).queryKey, (cached) =>
        cached && !isGenerationActive(cached) ? cached : generation,
      );
      return queryClient.invalidateQueries({ queryKey: generationKeys.lists() });
    },
  });
}

export function useDeleteGeneration() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteGeneration,
    onSuccess: (_nothing, id) => {
      queryClient.removeQueries({ queryKey: generationQueryOptions(id).queryKey });
      return queryClient.invalidateQueries({ queryKey: generationKeys.lists() });
    },
  });
}
