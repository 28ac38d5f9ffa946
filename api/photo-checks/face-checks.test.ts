import { describe, expect, it } from 'vitest';
import type { PhotoFaces } from '../../lib/contracts/likeness';
import { FACE_BLUR_THRESHOLD } from '../../lib/images/sharpness';
import { faceChecks } from './face-checks';
import { PHOTO_CHECK_THRESHOLDS } from './thresholds';

const intake = { orientation: { exif: 1, fixed: false }, tooSmall: { shortSide: 1000, minimum: 512, failed: false }, duplicate: null };

function facesOf(sides: number[], size = { width: 1000, height: 1500 }): PhotoFaces {
  return {
    scorer: 'test@1',
    faces: sides.map((side) => ({ box: { x: 100, y: 100, width: side, height: side * 1.2 }, confidence: 0.98 })),
    embedding: sides.length > 0 ? [1, 0] : null,
    ...size,
    analysedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('the checks of one photo', () => {
  it('passes a portrait with one sharp, large face, and keeps the intake checks', () => {
    const checks = faceChecks(intake, { faces: facesOf([300]), faceSharpness: 72 }, { width: 1000, height: 1500, sharpness: 40 });
    expect(checks).toEqual({
      ...intake,
      noFace: { faces: 1, failed: false },
      severalPeople: { count: 1, failed: false },
      // 360 px high in a 1500 px photo: 246 px at the 1024 px training size.
      faceTooSmall: { faceSize: 246, minimum: PHOTO_CHECK_THRESHOLDS.minFaceSize, trainingSize: 1024, failed: false },
      blurry: { sharpness: 72, threshold: FACE_BLUR_THRESHOLD, failed: false, region: 'face' },
    });
  });

  it('flags no face, judging blur on the whole photo then', () => {
    const checks = faceChecks(intake, { faces: facesOf([]), faceSharpness: null }, { width: 1000, height: 1500, sharpness: 40 });
    expect(checks.noFace).toEqual({ faces: 0, failed: true });
    expect(checks.faceTooSmall).toBeUndefined();
    expect(checks.blurry).toMatchObject({ sharpness: 40, failed: true, region: 'photo' });
  });

  it('flags several people with the count, a face too small at training size, and a blurry face', () => {
    const group = faceChecks(intake, { faces: facesOf([120, 110, 100]), faceSharpness: 70 }, { width: 1000, height: 1500, sharpness: 300 });
    expect(group.severalPeople).toEqual({ count: 3, failed: true });
    // 144 px high in a 1500 px photo is 98 px at training size; a 3000 px photo halves it again.
    expect(group.faceTooSmall).toMatchObject({ faceSize: 98, failed: false });
    const far = faceChecks(intake, { faces: facesOf([120], { width: 2000, height: 3000 }), faceSharpness: 70 }, { width: 2000, height: 3000, sharpness: 300 });
    expect(far.faceTooSmall).toEqual({ faceSize: 49, minimum: 96, trainingSize: 1024, failed: true });
    const blurry = faceChecks(intake, { faces: facesOf([300]), faceSharpness: 31.5 }, { width: 1000, height: 1500, sharpness: 300 });
    expect(blurry.blurry).toEqual({ sharpness: 31.5, threshold: FACE_BLUR_THRESHOLD, failed: true, region: 'face' });
  });
});
