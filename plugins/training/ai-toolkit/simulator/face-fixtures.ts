/**
 * Test data for the simulators' likeness tests: photos of one person (crops and colour changes of one face in
 * face-api's own sample1.jpg; no other face of that photo is among face-picture.mjs's generic faces), and how the
 * product measures a picture against them (lib/likeness).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { greyForHash, perceptualHash } from '../../../../lib/images/phash';
import type { ReferencePhoto } from '../../../../lib/likeness/references';
import { scorePicture } from '../../../../lib/likeness/score-picture';
import type { PictureLikeness } from '../../../../lib/contracts/likeness';
import type { IdentityScorer } from '../../../identity/interface';

const require = createRequire(import.meta.url);
const GROUP_PHOTO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
/** The middle of the second face face-api finds in sample1.jpg (177 px wide): the person of the tests. */
const FACE = { cx: 502, cy: 474 };

/** Four portraits of the person (face about a third of the width, as a portrait frames it), 384 px JPEGs. */
export async function personPhotos(): Promise<Buffer[]> {
  const group = readFileSync(GROUP_PHOTO);
  const crop = (dx: number, dy: number, side: number) =>
    sharp(group).extract({ left: FACE.cx + dx - side / 2, top: FACE.cy + dy - side / 2, width: side, height: side }).resize(384, 384);
  return Promise.all([
    crop(0, 0, 530).jpeg({ quality: 90 }).toBuffer(),
    crop(20, 16, 560).modulate({ brightness: 1.1 }).flop().jpeg({ quality: 90 }).toBuffer(),
    crop(-20, -10, 510).modulate({ saturation: 0.5 }).jpeg({ quality: 85 }).toBuffer(),
    crop(10, 20, 546).modulate({ hue: 30 }).jpeg({ quality: 90 }).toBuffer(),
  ]);
}

/** The photos as the product's references: each one's face embedding and perceptual hash. */
export async function referencesOf(scorer: IdentityScorer, photos: readonly Buffer[]): Promise<ReferencePhoto[]> {
  return Promise.all(
    photos.map(async (photo, i) => {
      const [face, ...others] = await scorer.detect(photo);
      if (!face || others.length > 0) throw new Error(`photo ${i} should show exactly one face`);
      return { photoId: `photo-${i}`, embedding: face.embedding, phash: perceptualHash(await greyForHash(photo)) };
    }),
  );
}

/** How the product scores a picture against the references. */
export function likenessOf(scorer: IdentityScorer, picture: Buffer, references: readonly ReferencePhoto[]): Promise<PictureLikeness> {
  return scorePicture(scorer, picture, references);
}

/** The mean similarity of the pictures that show a face, or null when none does. */
export function meanSimilarity(scores: readonly PictureLikeness[]): number | null {
  const found = scores.flatMap((s) => (s.similarity === null ? [] : [s.similarity]));
  return found.length ? found.reduce((a, b) => a + b, 0) / found.length : null;
}
