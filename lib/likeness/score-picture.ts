import { greyForHash, perceptualHash, hammingDistance } from '../images/phash';
import type { PictureLikeness } from '../contracts/likeness';
import { UnreadableImageError, type IdentityScorer } from '../../plugins/identity/interface';
import { LIKENESS_CALIBRATION } from '../contracts/likeness';
import type { ReferencePhoto } from './references';

export function scorerKey(scorer: Pick<IdentityScorer, 'id' | 'version'>): string {
  return `${scorer.id}@${scorer.version}`;
}

/**
 * How much a picture looks like the person of `references`: the mean similarity of its main (largest) face to every
 * reference photo, and whether it copies one of them (a near-identical face in a near-identical picture).
 */
export async function scorePicture(
  scorer: IdentityScorer,
  image: Buffer,
  references: readonly ReferencePhoto[],
): Promise<PictureLikeness> {
  const base = { scorer: scorerKey(scorer), scoredAt: new Date().toISOString(), copyOf: null };
  let faces;
  try {
    faces = await scorer.detect(image);
  } catch (err) {
    if (err instanceof UnreadableImageError) return { ...base, status: 'unreadable', similarity: null, recognisable: false, faces: 0 };
    throw err;
  }
  const main = faces[0];
  if (!main) return { ...base, status: 'no_face', similarity: null, recognisable: false, faces: 0 };
  if (references.length === 0) return { ...base, status: 'no_reference', similarity: null, recognisable: false, faces: faces.length };
  const similarities = references.map((ref) => scorer.similarity(main.embedding, ref.embedding));
  const similarity = similarities.reduce((sum, s) => sum + s, 0) / similarities.length;
  const copyOf = await findCopy(image, references, similarities);
  return {
    ...base,
    status: 'scored',
    similarity: Math.round(similarity * 10_000) / 10_000,
    recognisable: similarity >= LIKENESS_CALIBRATION.recognisableAt,
    faces: faces.length,
    copyOf,
  };
}

async function findCopy(
  image: Buffer,
  references: readonly ReferencePhoto[],
  similarities: readonly number[],
): Promise<PictureLikeness['copyOf']> {
  const candidates = references
    .map((ref, i) => ({ ref, similarity: similarities[i]! }))
    .filter((c) => c.similarity >= LIKENESS_CALIBRATION.copySimilarityAt && c.ref.phash)
    .sort((a, b) => b.similarity - a.similarity);
  if (candidates.length === 0) return null;
  const hash = perceptualHash(await greyForHash(image));
  const copy = candidates.find((c) => hammingDistance(hash, c.ref.phash!) <= LIKENESS_CALIBRATION.copyHashDistance);
  return copy ? { photoId: copy.ref.photoId, similarity: Math.round(copy.similarity * 10_000) / 10_000 } : null;
}
