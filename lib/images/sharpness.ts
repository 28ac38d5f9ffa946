import type { Pixels } from './pixels';
import { loadSharp } from './sharp';

/** Sharpness is measured on a grey copy with this long side (or the photo's own size when smaller). */
export const SHARPNESS_SIZE = 512;

/**
 * Below this sharpness a photo is flagged blurry. Calibrated at 512 px (sharpness.test.ts keeps the evidence):
 * generated photos score 560–1100 when sharp, about 145 after a Gaussian blur of σ = 0.85 px at that size and
 * about 40 at σ = 1.3; two real 720×477 photos scored 568 and 2413 sharp, and 69 and 262 at σ = 1. So 100 flags
 * photos that already look soft at the size training sees them, and no sharp one we measured.
 */
export const BLUR_THRESHOLD = 100;

/**
 * Variance of the Laplacian (4-neighbour, 3×3) of a grey picture: edges give large responses, blur flattens them.
 * Border pixels are skipped. The value depends on the picture's size, hence the fixed {@link SHARPNESS_SIZE}.
 */
export function laplacianVariance(grey: Pixels): number {
  if (grey.channels !== 1) throw new Error('laplacianVariance needs a grey picture');
  const { data, width, height } = grey;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumOfSquares = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
      const response = data[i - width]! + data[i + width]! + data[i - 1]! + data[i + 1]! - 4 * data[i]!;
      sum += response;
      sumOfSquares += response * response;
    }
  }
  const n = (width - 2) * (height - 2);
  const mean = sum / n;
  return sumOfSquares / n - mean * mean;
}

/** The face crop measured for blur: a square this many pixels wide. */
export const FACE_CROP_SIZE = 128;
/**
 * Photos are measured as training sees them: shrunk so that the long side is at most this (the largest resolution
 * ai-toolkit trains at; it never enlarges a photo).
 */
export const TRAINING_SIZE = 1024;

/**
 * Below this face sharpness a photo is flagged blurry. Face sharpness is the share of the face crop's Laplacian
 * variance (0–100) that one more Gaussian blur of σ = 1 px removes: detail a sharp face has and a blurred one has
 * already lost. Unlike the raw variance, it does not depend on the face's contrast or lighting. Calibrated on the
 * 22 faces of face-api's demo photos (sharpness.test.ts keeps the evidence): sharp faces 67–87 at 150–220 px and
 * 57–87 down to 45 px; blurred at σ = 3 px of a 1920 px photo 33–56, at σ = 2 px of a 960 px one 33–46. 55 flags
 * visible blur and no sharp face measured (the raw variance overlaps: 111–1070 sharp, 46–423 at σ = 2).
 */
export const FACE_BLUR_THRESHOLD = 55;

/** A box in the pixels of the upright photo. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * How sharp the face in `box` is ({@link FACE_BLUR_THRESHOLD}): the photo is decoded upright at the training size,
 * a square around the face (its long side plus 20% on each side) is cut and scaled to {@link FACE_CROP_SIZE}.
 * `photoSize` is the upright size `box` refers to. Runs on libuv's threads (sharp), not on the event loop.
 */
export async function faceSharpness(image: Buffer, box: Region, photoSize: { width: number; height: number }): Promise<number> {
  const sharp = await loadSharp();
  const scale = Math.min(1, TRAINING_SIZE / Math.max(photoSize.width, photoSize.height));
  const { data, info } = await sharp(image)
    .rotate()
    .resize(TRAINING_SIZE, TRAINING_SIZE, { fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const side = Math.max(box.width, box.height) * 1.4 * scale;
  const centreX = (box.x + box.width / 2) * scale;
  const centreY = (box.y + box.height / 2) * scale;
  const left = Math.max(0, Math.min(info.width - 1, Math.round(centreX - side / 2)));
  const top = Math.max(0, Math.min(info.height - 1, Math.round(centreY - side / 2)));
  const width = Math.max(1, Math.min(info.width - left, Math.round(side)));
  const height = Math.max(1, Math.min(info.height - top, Math.round(side)));
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels as 3 } };
  const crop = await sharp(data, raw)
    .extract({ left, top, width, height })
    .resize(FACE_CROP_SIZE, FACE_CROP_SIZE, { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer();
  const reblurred = await sharp(crop, { raw: { width: FACE_CROP_SIZE, height: FACE_CROP_SIZE, channels: 1 } })
    .blur(1)
    .greyscale()
    .raw()
    .toBuffer();
  const grey = (pixels: Buffer): Pixels => ({ data: pixels, width: FACE_CROP_SIZE, height: FACE_CROP_SIZE, channels: 1 });
  const variance = laplacianVariance(grey(crop));
  if (variance === 0) return 0;
  const kept = laplacianVariance(grey(reblurred)) / variance;
  return Math.round(Math.max(0, 1 - kept) * 1000) / 10;
}
