import { PHOTO_LIMITS, type PhotoChecksContract } from '../contracts/photos';
import type { Duplicate } from './phash';
import { BLUR_THRESHOLD } from './sharpness';

/** The intake checks of a stored photo, each with the value measured and its verdict. */
export function photoChecks(
  photo: { width: number; height: number; sharpness: number; exifOrientation: number; orientationFixed: boolean },
  duplicate: Duplicate | null,
): PhotoChecksContract {
  const shortSide = Math.min(photo.width, photo.height);
  const sharpness = Math.round(photo.sharpness * 10) / 10;
  return {
    orientation: { exif: photo.exifOrientation, fixed: photo.orientationFixed },
    tooSmall: { shortSide, minimum: PHOTO_LIMITS.minShortSide, failed: shortSide < PHOTO_LIMITS.minShortSide },
    blurry: { sharpness, threshold: BLUR_THRESHOLD, failed: sharpness < BLUR_THRESHOLD },
    duplicate,
  };
}
