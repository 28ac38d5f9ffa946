import type { PhotoFaces } from '../../lib/contracts/likeness';
import { faceSharpness } from '../../lib/images/sharpness';
import { scorerKey } from '../../lib/likeness/score-picture';
import { UnreadableImageError, type IdentityScorer } from '../../plugins/identity/interface';
import type { PhotoAnalysis } from './face-checks';

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * What the identity scorer finds in a stored photo (`size`: its upright size, which the boxes refer to), and how
 * sharp its main face is. A photo the scorer cannot decode is recorded as unreadable, with no face.
 */
export async function analysePhoto(
  scorer: IdentityScorer,
  image: Buffer,
  size: { width: number; height: number },
): Promise<PhotoAnalysis> {
  const base = { scorer: scorerKey(scorer), width: size.width, height: size.height, analysedAt: new Date().toISOString() };
  let detected;
  try {
    detected = await scorer.detect(image, { smallFaces: true });
  } catch (err) {
    if (!(err instanceof UnreadableImageError)) throw err;
    return { faces: { ...base, faces: [], embedding: null, unreadable: true }, faceSharpness: null };
  }
  const main = detected[0];
  const faces: PhotoFaces = {
    ...base,
    faces: detected.map((face) => ({
      box: { x: round1(face.box.x), y: round1(face.box.y), width: round1(face.box.width), height: round1(face.box.height) },
      confidence: Math.round(face.confidence * 1000) / 1000,
    })),
    embedding: main ? main.embedding : null,
  };
  return { faces, faceSharpness: main ? await faceSharpness(image, main.box, size) : null };
}
