import { trainingPhotoCounts } from '../../db/repositories/training-photos';
import type { Database } from '../../db/client';
import { PHOTO_LIMITS } from '../../lib/contracts/photos';
import { HttpError } from '../errors';

/**
 * Refuses a training before it becomes a run when it cannot work (no photo marked for training: 422, saying why and
 * what to do) or should be confirmed first (fewer good photos than recommended: 409 `confirmation_required`, unless
 * the request says `confirmFewPhotos: true`).
 */
export async function requireTrainablePhotos(
  db: Database,
  character: { id: string; name: string },
  confirmFewPhotos: boolean,
): Promise<void> {
  const { good, checking, included } = await trainingPhotoCounts(db, character.id);
  if (good === 0) {
    const message =
      included === 0
        ? `${character.name} has no usable photos: upload photos (or include excluded ones), then start the training.`
        : checking > 0
          ? `${character.name} has no photo marked for training yet: ${checking} of ${included} are still being checked. Wait for the checks, then start the training.`
          : `${character.name} has no photo marked for training: all ${included} have warnings. Upload better photos, or choose "Keep anyway" on those you want to train with, then start the training.`;
    throw new HttpError(422, 'validation_failed', message, { goodPhotos: 0, checking, included });
  }
  const recommended = PHOTO_LIMITS.recommended.min;
  if (good < recommended && !confirmFewPhotos) {
    throw new HttpError(
      409,
      'confirmation_required',
      `Fewer than ${recommended} good photos (${good}): the model may not look like ${character.name}. Add photos, or train anyway (confirmFewPhotos: true).`,
      { goodPhotos: good, recommended, confirm: 'confirmFewPhotos' },
    );
  }
}
