import { PHOTO_UPLOAD_FIELD, uploadPhotosResultSchema } from '../../../../../lib/contracts/photos';
import { uploadForm, type UploadOptions } from '../../../lib/upload';

/** One file per request, so each file has its own progress (the API accepts up to 60 per request). */
export function uploadPhoto(characterId: string, file: File, options: UploadOptions = {}) {
  const form = new FormData();
  form.append(PHOTO_UPLOAD_FIELD, file, file.name);
  return uploadForm(`/characters/${encodeURIComponent(characterId)}/photos`, form, uploadPhotosResultSchema, options);
}
