import { useMutation, useQueryClient } from '@tanstack/react-query';
import { generationOutputSchema, generationSchema, type OutputRerunMode } from '../../../../../lib/contracts/generations';
import { API_BASE, apiRequest, apiSend } from '../../../lib/api-client';
import { generationQueryOptions } from './get-generation';
import { generationKeys } from './generation-keys';

/** Where the chosen pictures download as one zip (each PNG keeps its parameters inside). */
export function archiveUrl(ids: string[]): string {
  return `${API_BASE}/outputs/archive?ids=${ids.map(encodeURIComponent).join(',')}`;
}

export function setFavourite({ id, favourite }: { id: string; favourite: boolean }) {
  return apiRequest(`/outputs/${encodeURIComponent(id)}`, generationOutputSchema, { method: 'PATCH', body: { favourite } });
}

/** One picture alone, all or none. */
export function deleteOutputs(ids: string[]) {
  return ids.length === 1
    ? apiSend(`/outputs/${encodeURIComponent(ids[0]!)}`, { method: 'DELETE' })
    : apiSend('/outputs/delete', { method: 'POST', body: { ids } });
}

/** The picture again: `exact` by its own seed, `vary` with a new one. */
export function rerunOutput({ id, mode }: { id: string; mode: OutputRerunMode }) {
  return apiRequest(`/outputs/${encodeURIComponent(id)}/rerun`, generationSchema, { method: 'POST', body: { mode } });
}

function useRefreshGallery() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: generationKeys.all });
}

export function useSetFavourite() {
  const refresh = useRefreshGallery();
  return useMutation({ mutationFn: setFavourite, onSuccess: refresh });
}

export function useDeleteOutputs() {
  const refresh = useRefreshGallery();
  return useMutation({ mutationFn: deleteOutputs, onSuccess: refresh });
}

export function useRerunOutput() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: rerunOutput,
    onSuccess: (generation) => {
      queryClient.setQueryData(generationQueryOptions(generation.id).queryKey, generation);
      return queryClient.invalidateQueries({ queryKey: generationKeys.lists() });
    },
  });
}
