import { useMutation, useQueryClient } from '@tanstack/react-query';
import { characterSchema, type UpdateCharacterInput } from '../../../../../lib/contracts/characters';
import { apiRequest } from '../../../lib/api-client';
import { characterQueryOptions, charactersQueryOptions } from '../../../lib/queries/characters';

export function updateCharacter({ id, patch }: { id: string; patch: UpdateCharacterInput }) {
  return apiRequest(`/characters/${encodeURIComponent(id)}`, characterSchema, { method: 'PATCH', body: patch });
}

export function useUpdateCharacter() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateCharacter,
    onSuccess: (character) => {
      queryClient.setQueryData(characterQueryOptions(character.id).queryKey, character);
      return queryClient.invalidateQueries({ queryKey: charactersQueryOptions().queryKey });
    },
  });
}
