/**
 * EXIF orientation (1–8): how the stored pixels must be turned to stand upright. 1 is upright already; 2–4
 * mirror or turn half-way; 5–8 include a quarter turn, so the upright picture has width and height swapped.
 */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** The orientation a file declares; missing or out-of-range values mean upright, as every viewer treats them. */
export function exifOrientation(value: number | undefined): ExifOrientation {
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 8 ? (value as ExifOrientation) : 1;
}

/** Whether the pixels must be rotated or mirrored to look like what viewers show. */
export function needsTurning(orientation: ExifOrientation): boolean {
  return orientation !== 1;
}

/** The upright size of pixels stored under an orientation: 5–8 swap width and height. */
export function uprightSize(width: number, height: number, orientation: ExifOrientation): { width: number; height: number } {
  return orientation >= 5 ? { width: height, height: width } : { width, height };
}

