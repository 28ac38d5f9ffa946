import { useState } from 'react';
import type { Photo } from '../../../../../lib/contracts/photos';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { useDeletePhoto } from '../api/delete-photo';
import { PhotoCard } from './photo-card';

/** The character's stored photos, oldest first, each with its checks, caption and actions. */
export function PhotoGrid({ photos, selection }: { photos: Photo[]; selection?: { ids: ReadonlySet<string>; toggle: (id: string, selected: boolean) => void } }) {
  const [toDelete, setToDelete] = useState<Photo | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const deletePhoto = useDeletePhoto();
  const names = new Map(photos.map((p) => [p.id, p.originalName]));
  const nameOf = (id: string) => names.get(id);

  function close() {
    if (deletePhoto.isPending) return;
    deletePhoto.reset();
    setToDelete(null);
  }

  return (
    <>
      <ul className="photo-grid" aria-label="Photos">
        {photos.map((photo) => (
          <PhotoCard
            key={photo.id}
            photo={photo}
            nameOf={nameOf}
            onDeleteRequested={setToDelete}
            selected={selection?.ids.has(photo.id)}
            onSelectedChange={selection ? (selected) => selection.toggle(photo.id, selected) : undefined}
          />
        ))}
      </ul>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      {toDelete && (
        <ConfirmDialog
          title={`Delete ${toDelete.originalName}?`}
          confirmLabel="Delete photo"
          pendingLabel="Deleting…"
          pending={deletePhoto.isPending}
          error={deletePhoto.error?.message}
          onConfirm={() =>
            deletePhoto.mutate(toDelete, {
              onSuccess: () => {
                setAnnouncement(`Deleted ${toDelete.originalName}.`);
                deletePhoto.reset();
                setToDelete(null);
              },
            })
          }
          onClose={close}
        >
          <p>
            The photo will no longer be used for training. Models already trained keep what they learned from it.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
