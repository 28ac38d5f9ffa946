import { Link } from 'react-router';
import { PHOTO_LIMITS } from '../../../../../lib/contracts/photos';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { paths } from '../../../config/paths';

interface TrainFewPhotosDialogProps {
  character: { id: string; name: string };
  goodPhotos: number;
  pending: boolean;
  error?: string;
  onTrainAnyway: () => void;
  onClose: () => void;
}

/** Asked before a training on fewer good photos than recommended: the API wants this confirmed (`confirmFewPhotos`). */
export function TrainFewPhotosDialog({ character, goodPhotos, pending, error, onTrainAnyway, onClose }: TrainFewPhotosDialogProps) {
  const recommended = PHOTO_LIMITS.recommended.min;
  return (
    <ConfirmDialog
      title={`Fewer than ${recommended} good photos`}
      confirmLabel="Train anyway"
      pendingLabel="Starting…"
      pending={pending}
      error={error}
      onConfirm={onTrainAnyway}
      onClose={onClose}
    >
      <p>
        {character.name} has {goodPhotos} good photo{goodPhotos === 1 ? '' : 's'}: the model may not look like them. Add photos
        (at least {recommended} good ones give a faithful likeness), or train anyway.
      </p>
      <p>
        <Link to={paths.character(character.id)}>Add photos of {character.name}</Link>
      </p>
    </ConfirmDialog>
  );
}
