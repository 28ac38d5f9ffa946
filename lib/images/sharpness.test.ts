import { describe, expect, it } from 'vitest';
import { photoJpeg } from '../../test/helpers/images';
import { measure } from '../../test/helpers/measure';
import { BLUR_THRESHOLD, laplacianVariance } from './sharpness';

const sharpnessOf = async (image: Buffer) => (await measure(image)).sharpness;

describe('sharpness', () => {
  it('is zero for a flat picture and large for a checkerboard', () => {
    const flat = { data: new Uint8Array(100).fill(90), width: 10, height: 10, channels: 1 };
    expect(laplacianVariance(flat)).toBe(0);
    const squares = Uint8Array.from({ length: 100 }, (_, i) => (((i % 10) + Math.floor(i / 10)) % 2) * 255);
    const board = { data: squares, width: 10, height: 10, channels: 1 };
    expect(laplacianVariance(board)).toBeGreaterThan(100_000);
  });

  // The calibration of BLUR_THRESHOLD, kept as evidence. Blur is given as the Gaussian σ it amounts to at the 512 px
  // where sharpness is measured (sharp ignores σ below 0.6 at the source size).
  it.each([
    [1200, 900, 1],
    [1200, 900, 2],
    [640, 480, 3],
    [2400, 1800, 4],
  ])('tells a sharp %ix%i photo (seed %i) from blurred copies of it', async (width, height, seed) => {
    const blurredBy = async (sigmaAt512: number) =>
      sharpnessOf(await photoJpeg(width, height, { seed, blur: Math.max(0.6, (sigmaAt512 * width) / 512) }));
    const sharp = await sharpnessOf(await photoJpeg(width, height, { seed }));
    const slightly = await blurredBy(0.45);
    const blurred = await blurredBy(1.3);
    const veryBlurred = await blurredBy(2.6);
    expect(sharp).toBeGreaterThan(BLUR_THRESHOLD * 4);
    expect(slightly).toBeGreaterThan(BLUR_THRESHOLD * 2);
    expect(blurred).toBeLessThan(BLUR_THRESHOLD);
    expect(veryBlurred).toBeLessThan(BLUR_THRESHOLD * 0.2);
    expect(sharp).toBeGreaterThan(slightly);
    expect(slightly).toBeGreaterThan(blurred);
  });
});
