import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client';
import { characterQueryOptions, charactersQueryOptions } from '../../../lib/queries/characters';

export function deleteCharacter(id: string) {
  return apiSend(`/characters/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useDeleteCharacter() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteCharacter,
    onSuccess: (_nothing, id) => {
      queryClient.removeQueries({ queryKey: characterQueryOptions(id).queryKey });
      return queryClient.invalidateQueries({ queryKey: charactersQueryOptions().queryKey });
    },
  });
}
