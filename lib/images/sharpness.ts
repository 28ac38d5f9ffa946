import type { Pixels } from './pixels';

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
