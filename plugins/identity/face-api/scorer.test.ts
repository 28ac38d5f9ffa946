import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnreadableImageError, type DetectedFace } from '../interface';
import { createFaceApiScorer } from './scorer';

// Measured on 61 real photos of 13 people (issue 23): the lowest similarity of two photos of the same person, and the
// highest of two different people.
const LOWEST_SAME_PERSON = 0.937;
const HIGHEST_DIFFERENT_PEOPLE = 0.933;

const require = createRequire(import.meta.url);
const samples = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
/** face-api's own sample photo: three different people, 1920×1280. */
const groupPhoto = readFileSync(path.join(samples, 'sample1.jpg'));

const modelLoads: number[] = [];
const scorer = createFaceApiScorer({ threads: 1, onModelLoaded: (ms) => modelLoads.push(ms) });
let groupFaces: DetectedFace[];

/** A square around `face`, three times its width, as a PNG: a portrait of that one person. */
async function portraitOf(face: DetectedFace): Promise<{ image: Buffer; side: number }> {
  const { width = 0, height = 0 } = await sharp(groupPhoto).metadata();
  const left = Math.max(0, Math.round(face.box.x - face.box.width));
  const top = Math.max(0, Math.round(face.box.y - face.box.width));
  const side = Math.min(width - left, height - top, Math.round(3 * face.box.width));
  return { image: await sharp(groupPhoto).extract({ left, top, width: side, height: side }).png().toBuffer(), side };
}

async function onlyFace(image: Buffer): Promise<DetectedFace> {
  const faces = await scorer.detect(image);
  expect(faces).toHaveLength(1);
  return faces[0]!;
}

beforeAll(async () => {
  groupFaces = await scorer.detect(groupPhoto);
});

afterAll(() => scorer.close());

describe('the face-api identity scorer', () => {
  it('finds the three people of a group photo, with boxes, landmarks and embeddings that tell them apart', () => {
    expect(groupFaces).toHaveLength(3);
    for (const face of groupFaces) {
      expect(face.confidence).toBeGreaterThan(0.9);
      expect(face.landmarks).toHaveLength(68);
      expect(face.embedding).toHaveLength(128);
      // In the original photo's pixels (it was shrunk to 1024 px for detection).
      expect(face.box.x + face.box.width).toBeLessThanOrEqual(1920);
      expect(face.box.width).toBeGreaterThan(150);
    }
    for (let i = 0; i < groupFaces.length; i++) {
      for (let j = i + 1; j < groupFaces.length; j++) {
        expect(scorer.similarity(groupFaces[i]!.embedding, groupFaces[j]!.embedding)).toBeLessThan(HIGHEST_DIFFERENT_PEOPLE);
      }
    }
  });

  it('finds one face in a portrait, with a box around the middle of it', async () => {
    const { image, side } = await portraitOf(groupFaces[0]!);
    const { box, landmarks } = await onlyFace(image);
    expect(box.width / side).toBeGreaterThan(0.2);
    expect(box.width / side).toBeLessThan(0.6);
    const centreX = box.x + box.width / 2;
    const centreY = box.y + box.height / 2;
    expect(centreX / side).toBeGreaterThan(1 / 3);
    expect(centreX / side).toBeLessThan(2 / 3);
    expect(centreY / side).toBeGreaterThan(1 / 4);
    expect(centreY / side).toBeLessThan(3 / 4);
    for (const point of landmarks) {
      expect(point.x).toBeGreaterThanOrEqual(box.x - box.width / 4);
      expect(point.x).toBeLessThanOrEqual(box.x + box.width * 1.25);
    }
  });

  it('gives boxes in the pixels of the image it was given, however large', async () => {
    const { image, side } = await portraitOf(groupFaces[1]!);
    const small = await onlyFace(image);
    const large = await onlyFace(await sharp(image).resize(side * 4).png().toBuffer());
    expect(large.box.width / small.box.width).toBeGreaterThan(3.6);
    expect(large.box.width / small.box.width).toBeLessThan(4.4);
  });

  it('turns a photo upright by its EXIF orientation before looking for faces', async () => {
    const { image } = await portraitOf(groupFaces[2]!);
    const upright = await onlyFace(image);
    // Stored sideways, with orientation 6: "turn 90° clockwise to show".
    const sideways = await sharp(image).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const shown = await onlyFace(sideways);
    expect(Math.abs(shown.box.x - upright.box.x)).toBeLessThan(upright.box.width * 0.1);
    expect(Math.abs(shown.box.y - upright.box.y)).toBeLessThan(upright.box.width * 0.1);
    expect(scorer.similarity(upright.embedding, shown.embedding)).toBeGreaterThan(LOWEST_SAME_PERSON);
  });

  it('finds the same person after a mirror, a tighter crop and a poor JPEG', async () => {
    for (const face of groupFaces) {
      const { image, side } = await portraitOf(face);
      const reference = await onlyFace(image);
      const margin = Math.round(side * 0.2);
      const variants = {
        mirrored: await sharp(image).flop().png().toBuffer(),
        cropped: await sharp(image).extract({ left: margin, top: margin, width: side - 2 * margin, height: side - 2 * margin }).png().toBuffer(),
        jpeg: await sharp(image).jpeg({ quality: 30 }).toBuffer(),
      };
      for (const [name, variant] of Object.entries(variants)) {
        const similarity = scorer.similarity(reference.embedding, (await onlyFace(variant)).embedding);
        expect(similarity, name).toBeGreaterThan(LOWEST_SAME_PERSON);
      }
    }
  });

  it('finds no face in a flat image or in noise', async () => {
    const flat = await sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 190, g: 150, b: 120 } } })
      .png()
      .toBuffer();
    let seed = 1;
    const noisePixels = Buffer.alloc(640 * 480 * 3, 0).map(() => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed >> 23;
    });
    const noise = await sharp(noisePixels, { raw: { width: 640, height: 480, channels: 3 } }).png().toBuffer();
    expect(await scorer.detect(flat, { smallFaces: true })).toEqual([]);
    expect(await scorer.detect(noise, { smallFaces: true })).toEqual([]);
  });

  it('looks closer when asked, and finds a face too small to see in the whole photo', async () => {
    const [ada] = groupFaces;
    const { image } = await portraitOf(ada!);
    // A 3000 × 4000 photo with the face about 45 px wide once shrunk to 1024 px: lost in the whole photo.
    const far = await sharp(image).resize(540).toBuffer();
    const photo = await sharp({ create: { width: 3000, height: 4000, channels: 3, background: { r: 120, g: 140, b: 110 } } })
      .composite([{ input: far, left: 1700, top: 2100 }])
      .jpeg({ quality: 90 })
      .toBuffer();
    expect(await scorer.detect(photo)).toEqual([]);
    const found = await scorer.detect(photo, { smallFaces: true });
    expect(found).toHaveLength(1);
    // In the photo's own pixels, inside the pasted portrait.
    const { box } = found[0]!;
    expect(box.x).toBeGreaterThan(1700);
    expect(box.y).toBeGreaterThan(2100);
    expect(box.x + box.width).toBeLessThan(2240);
    expect(box.width * (1024 / 4000)).toBeLessThan(60);
    expect(found[0]!.landmarks).toHaveLength(68);
  });

  it('reads a greyscale photo', async () => {
    const grey = await sharp(groupPhoto).greyscale().jpeg().toBuffer();
    expect(await scorer.detect(grey)).toHaveLength(3);
  });

  it("loads its model once, in its worker thread, never in the caller's", async () => {
    await scorer.detect(groupPhoto);
    expect(modelLoads).toHaveLength(1);
    const loadedHere = Object.keys(require.cache).filter((file) => /@tensorflow|@vladmandic/.test(file));
    expect(loadedHere).toEqual([]);
  });

  it('refuses bytes that are not an image', async () => {
    await expect(scorer.detect(Buffer.from('not an image'))).rejects.toThrow(UnreadableImageError);
  });
});
