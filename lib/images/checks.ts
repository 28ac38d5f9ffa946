import { PHOTO_LIMITS, type PhotoChecksContract } from '../contracts/photos';
import type { Duplicate } from './phash';

/**
 * The intake checks of a stored photo, each with the value measured and its verdict. Blur is judged once the face
 * is found (api/photo-checks), on the face rather than the whole photo.
 */
export function photoChecks(
  photo: { width: number; height: number; exifOrientation: number; orientationFixed: boolean },
  duplicate: Duplicate | null,
): PhotoChecksContract {
  const shortSide = Math.min(photo.width, photo.height);
  return {
    orientation: { exif: photo.exifOrientation, fixed: photo.orientationFixed },
    tooSmall: { shortSide, minimum: PHOTO_LIMITS.minShortSide, failed: shortSide < PHOTO_LIMITS.minShortSide },
    duplicate,
  };
}
