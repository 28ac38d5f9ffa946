import { PHOTO_LIMITS } from '../contracts/photos';

/** A file that intake does not accept, with the reason a person reads next to its name. */
export class PhotoRejectedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PhotoRejectedError';
  }
}

const MB = 1024 * 1024;
const ACCEPTED = 'use JPEG, PNG, WebP or HEIC';

/** Whole numbers read best, but never round a value over a limit down to the limit itself ("30 MB; the limit is 30"). */
function overLimit(value: number, limit: number): string {
  return Math.round(value) > limit ? String(Math.round(value)) : (Math.ceil(value * 10) / 10).toFixed(1);
}

export const rejectionReasons = {
  empty: 'This file is empty',
  tooLarge: (filename: string, bytes: number) => {
    const limit = PHOTO_LIMITS.maxFileBytes / MB;
    return `${filename} is ${overLimit(bytes / MB, limit)} MB; the limit is ${limit} MB per photo`;
  },
  tooManyInUpload: `Only ${PHOTO_LIMITS.maxFilesPerUpload} photos can be uploaded at once; upload this one in another batch`,
  characterFull: `This character already has ${PHOTO_LIMITS.maxPhotosPerCharacter} photos, the most allowed`,
  tooManyPixels: (pixels: number) => {
    const limit = PHOTO_LIMITS.maxPixels / 1e6;
    return `This photo is ${overLimit(pixels / 1e6, limit)} megapixels; the limit is ${limit}`;
  },
  notAPhoto: (lookslike: string) => `This file is not a photo: it looks like ${lookslike}`,
  notAccepted: (kind: string) => `${kind} are not accepted: ${ACCEPTED}`,
  unknownFormat: `This file is not a photo in a format we can read: ${ACCEPTED}`,
  truncated: 'This photo is damaged or incomplete (the file ends too early). Try exporting it again.',
  damaged: 'This photo is damaged and cannot be read. Try exporting it again.',
} as const;

/** Decoder messages for a file that stops early (libjpeg, libheif, libvips). */
const TRUNCATION = /premature end of jpeg (image|file)|unexpected end|end of file|truncated|not enough data/i;

/**
 * What a decoder's error means for the person: the file is incomplete, or otherwise unreadable. Only decoders'
 * errors come here; storage errors (a full disk, say) are the server's problem and stay errors.
 */
export function decodeFailure(err: unknown): PhotoRejectedError {
  if (err instanceof PhotoRejectedError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PhotoRejectedError(TRUNCATION.test(message) ? rejectionReasons.truncated : rejectionReasons.damaged);
}
