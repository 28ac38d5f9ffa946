import { useMutation, useQueryClient } from '@tanstack/react-query';
import { characterSchema, type CreateCharacterInput } from '../../../../../lib/contracts/characters';
import { apiRequest } from '../../../lib/api-client';
import { characterQueryOptions, charactersQueryOptions } from '../../../lib/queries/characters';

export function createCharacter(input: CreateCharacterInput) {
  return apiRequest('/characters', characterSchema, { method: 'POST', body: input });
}

export function useCreateCharacter() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createCharacter,
    onSuccess: (character) => {
      queryClient.setQueryData(characterQueryOptions(character.id).queryKey, character);
      return queryClient.invalidateQueries({ queryKey: charactersQueryOptions().queryKey });
    },
  });
}
