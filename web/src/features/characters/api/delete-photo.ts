import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Photo } from '../../../../../lib/contracts/photos';
import { apiSend } from '../../../lib/api-client';
import { photosQueryOptions } from '../../../lib/queries/photos';

export function deletePhoto(photo: Pick<Photo, 'id'>) {
  return apiSend(`/photos/${encodeURIComponent(photo.id)}`, { method: 'DELETE' });
}

export function useDeletePhoto() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (photo: Pick<Photo, 'id' | 'characterId'>) => deletePhoto(photo),
    onSuccess: (_nothing, photo) => {
      queryClient.setQueryData(photosQueryOptions(photo.characterId).queryKey, (list) =>
        list ? { items: list.items.filter((p) => p.id !== photo.id) } : list,
      );
      return queryClient.invalidateQueries({ queryKey: photosQueryOptions(photo.characterId).queryKey });
    },
  });
}
