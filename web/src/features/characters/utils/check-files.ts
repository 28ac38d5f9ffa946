import { ACCEPTED_PHOTO_TYPES, PHOTO_LIMITS } from '../../../../../lib/contracts/photos';
import { formatBytes } from '../../../lib/format';

/** What the file picker offers. HEIC often arrives without a MIME type, hence the extensions. */
export const PHOTO_ACCEPT = 'image/*,.heic,.heif';

const EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.heic', '.heif'];
const ACCEPTED = 'use JPEG, PNG, WebP or HEIC';

export type FileCheck = { ok: true } | { ok: false; reason: string };

/**
 * The checks the browser can make before sending a file, with the server's limits: type (by name and declared
 * type; the server then checks the content), size, and how many photos the character may have.
 */
export function checkFiles(files: readonly File[], existingPhotos: number): FileCheck[] {
  let room = PHOTO_LIMITS.maxPhotosPerCharacter - existingPhotos;
  return files.map((file) => {
    const name = file.name.toLowerCase();
    const knownExtension = EXTENSIONS.some((ext) => name.endsWith(ext));
    const knownType = (ACCEPTED_PHOTO_TYPES as readonly string[]).includes(file.type);
    if (!knownType && !knownExtension) {
      if (file.type.startsWith('image/')) {
        const kind = file.type.slice('image/'.length).toUpperCase().replace(/^SVG\+XML$/, 'SVG');
        return { ok: false, reason: `${kind} images are not accepted: ${ACCEPTED}` };
      }
      return { ok: false, reason: `This file is not a photo: ${ACCEPTED}` };
    }
    if (file.size === 0) return { ok: false, reason: 'This file is empty' };
    if (file.size > PHOTO_LIMITS.maxFileBytes) {
      return { ok: false, reason: `This file is ${formatBytes(file.size)}; the limit is ${formatBytes(PHOTO_LIMITS.maxFileBytes)} per photo` };
    }
    if (room <= 0) {
      return { ok: false, reason: `A character can have at most ${PHOTO_LIMITS.maxPhotosPerCharacter} photos; delete some to add more` };
    }
    room--;
    return { ok: true };
  });
}
