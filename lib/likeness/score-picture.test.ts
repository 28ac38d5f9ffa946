import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceApiScorer } from '../../plugins/identity/face-api/scorer';
import type { DetectedFace } from '../../plugins/identity/interface';
import { greyForHash, perceptualHash } from '../images/phash';
import { LIKENESS_CALIBRATION } from '../contracts/likeness';
import { referencePhotos, type ReferencePhoto } from './references';
import { scorePicture, scorerKey } from './score-picture';

const require = createRequire(import.meta.url);
/** face-api's own sample photo: three different people. */
const groupPhoto = readFileSync(path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg'));
const scorer = createFaceApiScorer({ threads: 1 });

/** A square portrait around `face` of the group photo, `scale` times its width, shifted by `shift` of its width. */
async function portrait(face: DetectedFace, scale: number, shift = 0): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(groupPhoto).metadata();
  const side = Math.round(scale * face.box.width);
  const left = Math.max(0, Math.min(width - side, Math.round(face.box.x + face.box.width / 2 - side / 2 + shift * face.box.width)));
  const top = Math.max(0, Math.min(height - side, Math.round(face.box.y + face.box.height / 2 - side / 2)));
  return sharp(groupPhoto).extract({ left, top, width: side, height: side }).resize(384).jpeg({ quality: 90 }).toBuffer();
}

let faces: DetectedFace[];
let references: ReferencePhoto[];
let referenceImages: Buffer[];

beforeAll(async () => {
  faces = await scorer.detect(groupPhoto);
  expect(faces).toHaveLength(3);
  // Three photos of the first person, framed differently: the character's reference.
  referenceImages = [await portrait(faces[0]!, 2.2), await portrait(faces[0]!, 3, 0.3), await portrait(faces[0]!, 2.6, -0.3)];
  const photos = [];
  for (const [i, image] of referenceImages.entries()) {
    const found = await scorer.detect(image);
    const analysed = { box: found[0]!.box, confidence: found[0]!.confidence };
    photos.push({
      id: `photo-${i}`,
      phash: perceptualHash(await greyForHash(image)),
      faces: { scorer: scorerKey(scorer), faces: [analysed], embedding: found[0]!.embedding, width: 384, height: 384, analysedAt: new Date().toISOString() },
    });
  }
  references = referencePhotos(photos, scorerKey(scorer));
  expect(references).toHaveLength(3);
}, 60_000);

afterAll(() => scorer.close());

describe('scorePicture', () => {
  it('finds a new picture of the person recognisable, and not a copy of a photo', async () => {
    const likeness = await scorePicture(scorer, await sharp(await portrait(faces[0]!, 2.4, 0.15)).flop().toBuffer(), references);
    expect(likeness).toMatchObject({ status: 'scored', recognisable: true, faces: 1, copyOf: null, scorer: 'face-api@1' });
    expect(likeness.similarity).toBeGreaterThanOrEqual(LIKENESS_CALIBRATION.recognisableAt);
  });

  it('finds another person not recognisable', async () => {
    for (const other of [faces[1]!, faces[2]!]) {
      const likeness = await scorePicture(scorer, await portrait(other, 2.4), references);
      expect(likeness.status).toBe('scored');
      expect(likeness.recognisable).toBe(false);
      expect(likeness.similarity).toBeLessThan(LIKENESS_CALIBRATION.recognisableAt);
    }
  });

  it('names the training photo a picture copies', async () => {
    const copy = await sharp(referenceImages[1]!).jpeg({ quality: 70 }).toBuffer();
    const likeness = await scorePicture(scorer, copy, references);
    expect(likeness.copyOf?.photoId).toBe('photo-1');
    expect(likeness.copyOf?.similarity).toBeGreaterThanOrEqual(LIKENESS_CALIBRATION.copySimilarityAt);
  });

  it('says when there is no face, no reference, or no image', async () => {
    const landscape = await sharp({ create: { width: 512, height: 320, channels: 3, background: { r: 90, g: 140, b: 200 } } }).png().toBuffer();
    expect(await scorePicture(scorer, landscape, references)).toMatchObject({ status: 'no_face', similarity: null, recognisable: false, faces: 0 });
    expect(await scorePicture(scorer, referenceImages[0]!, [])).toMatchObject({ status: 'no_reference', similarity: null, faces: 1 });
    expect(await scorePicture(scorer, Buffer.from('not an image'), references)).toMatchObject({ status: 'unreadable', faces: 0 });
  });
});

describe('referencePhotos', () => {
  it('takes photos with exactly one face embedded by the same scorer', () => {
    const faces = (n: number, scorer = 'face-api@1') => ({
      scorer,
      faces: Array.from({ length: n }, () => ({ box: { x: 0, y: 0, width: 100, height: 100 }, confidence: 0.9 })),
      embedding: n ? [1, 0] : null,
      width: 500,
      height: 500,
      analysedAt: new Date().toISOString(),
    });
    const photos = [
      { id: 'one', phash: null, faces: faces(1) },
      { id: 'none', phash: null, faces: faces(0) },
      { id: 'group', phash: null, faces: faces(3) },
      { id: 'pending', phash: null, faces: null },
      { id: 'other-scorer', phash: null, faces: faces(1, 'insightface@1') },
    ];
    expect(referencePhotos(photos, 'face-api@1').map((r) => r.photoId)).toEqual(['one']);
  });
});
