import type { PhotoFaces } from '../../lib/contracts/likeness';
import type { PhotoChecksContract } from '../../lib/contracts/photos';
import { BLUR_THRESHOLD, FACE_BLUR_THRESHOLD, TRAINING_SIZE } from '../../lib/images/sharpness';
import { PHOTO_CHECK_THRESHOLDS } from './thresholds';

/** What the analysis of one photo measured. */
export interface PhotoAnalysis {
  faces: PhotoFaces;
  /** Sharpness of the main face (lib/images/sharpness.ts `faceSharpness`); null without a face. */
  faceSharpness: number | null;
}

/**
 * The checks of one photo that depend on its faces: no face, several people, a face too small to train on, and blur
 * measured on the face (or, without a face, the whole-photo measure taken at intake). The other checks are kept.
 */
export function faceChecks(
  current: PhotoChecksContract,
  analysis: PhotoAnalysis,
  photo: { width: number; height: number; sharpness: number | null },
): PhotoChecksContract {
  const { faces, faceSharpness } = analysis;
  const count = faces.faces.length;
  const checks: PhotoChecksContract = {
    ...current,
    noFace: { faces: count, failed: count === 0 },
    severalPeople: { count, failed: count > 1 },
  };
  delete checks.faceTooSmall;
  const main = faces.faces[0];
  if (main) {
    const scale = Math.min(1, TRAINING_SIZE / Math.max(photo.width, photo.height));
    const faceSize = Math.round(Math.max(main.box.width, main.box.height) * scale);
    const minimum = PHOTO_CHECK_THRESHOLDS.minFaceSize;
    checks.faceTooSmall = { faceSize, minimum, trainingSize: TRAINING_SIZE, failed: faceSize < minimum };
  }
  if (main && faceSharpness !== null) {
    checks.blurry = { sharpness: faceSharpness, threshold: FACE_BLUR_THRESHOLD, failed: faceSharpness < FACE_BLUR_THRESHOLD, region: 'face' };
  } else if (photo.sharpness !== null) {
    const sharpness = Math.round(photo.sharpness * 10) / 10;
    checks.blurry = { sharpness, threshold: BLUR_THRESHOLD, failed: sharpness < BLUR_THRESHOLD, region: 'photo' };
  }
  return checks;
}
