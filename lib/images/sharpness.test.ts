import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PEOPLE, type Person } from '../../test/helpers/faces';
import { photoJpeg } from '../../test/helpers/images';
import { measure } from '../../test/helpers/measure';
import { BLUR_THRESHOLD, FACE_BLUR_THRESHOLD, faceSharpness, laplacianVariance } from './sharpness';

const DEMO = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

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

// The calibration of FACE_BLUR_THRESHOLD on real faces, kept as evidence: the people of face-api's demo photos, with
// the boxes face-api finds for them (test/helpers/faces.ts), sharp and blurred with sharp's `.blur(σ)`.
describe('face sharpness', () => {
  const demo = (file: string) => readFileSync(path.join(DEMO, file));

  it.each(Object.keys(PEOPLE) as Person[])('tells the sharp face of %s from blurred copies, at two sizes', async (person) => {
    const { file, box } = PEOPLE[person];
    const original = demo(file);
    const { width = 0, height = 0 } = await sharp(original).metadata();
    for (const scale of [1, 0.5]) {
      const size = { width: Math.round(width * scale), height: Math.round(height * scale) };
      const scaled = scale === 1 ? original : await sharp(original).resize(size.width).jpeg({ quality: 90 }).toBuffer();
      const faceBox = { x: box.x * scale, y: box.y * scale, width: box.width * scale, height: box.height * scale };
      const at = async (sigma: number) =>
        faceSharpness(sigma ? await sharp(scaled).blur(sigma).jpeg({ quality: 90 }).toBuffer() : scaled, faceBox, size);
      const sharpFace = await at(0);
      const blurred = await at(3 * scale);
      const veryBlurred = await at(5 * scale);
      expect(sharpFace).toBeGreaterThanOrEqual(FACE_BLUR_THRESHOLD + 5);
      expect(blurred).toBeLessThan(FACE_BLUR_THRESHOLD);
      expect(veryBlurred).toBeLessThan(blurred);
    }
  });

  it('does not depend on how bright or contrasted the face is', async () => {
    const { file, box } = PEOPLE.ada;
    const original = demo(file);
    const { width = 0, height = 0 } = await sharp(original).metadata();
    const size = { width, height };
    const plain = await faceSharpness(original, box, size);
    const dim = await faceSharpness(await sharp(original).linear(0.4, 20).jpeg({ quality: 90 }).toBuffer(), box, size);
    expect(Math.abs(dim - plain)).toBeLessThan(8);
  });
});
