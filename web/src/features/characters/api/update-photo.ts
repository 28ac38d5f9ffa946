import { useMutation, useQueryClient } from '@tanstack/react-query';
import { photoSchema, type Photo, type UpdatePhotoInput } from '../../../../../lib/contracts/photos';
import { apiRequest } from '../../../lib/api-client';
import { photosQueryOptions } from '../../../lib/queries/photos';

export function updatePhoto({ id, patch }: { id: string; patch: UpdatePhotoInput }) {
  return apiRequest(`/photos/${encodeURIComponent(id)}`, photoSchema, { method: 'PATCH', body: patch });
}

/** Saves a caption or the excluded flag, and puts the saved photo into the character's list at once. */
export function useUpdatePhoto() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updatePhoto,
    onSuccess: (photo: Photo) => {
      queryClient.setQueryData(photosQueryOptions(photo.characterId).queryKey, (list) =>
        list ? { items: list.items.map((p) => (p.id === photo.id ? photo : p)) } : list,
      );
    },
  });
}
