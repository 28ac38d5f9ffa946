import type { PhotoChecksContract } from '../../lib/contracts/photos';
import { LIKENESS_CALIBRATION } from '../../lib/contracts/likeness';
import { hammingDistance, NEAR_DUPLICATE_DISTANCE, type Duplicate } from '../../lib/images/phash';
import type { PhotoInSet } from '../../db/repositories/photos';
import { PHOTO_CHECK_THRESHOLDS } from './thresholds';

/** A photo of the set, oldest first, as the set-level checks read it (the repository's `photosInSet`). */
export type SetPhoto = PhotoInSet;

/** The scorer that made the embeddings compared: its `id@version` and its similarity. */
export interface SetScorer {
  key: string;
  similarity(a: readonly number[], b: readonly number[]): number;
}

/** JSON with keys sorted (the database hands jsonb back in its own key order), for comparing checks. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/** The main face's embedding when it was made by `scorer` (embeddings of different scorers are never compared). */
function embeddingOf(photo: SetPhoto, scorer: SetScorer): number[] | null {
  return photo.faces && photo.faces.scorer === scorer.key ? photo.faces.embedding : null;
}

/**
 * The earlier photo that `photo` copies: the same bytes, or a perceptual hash within {@link NEAR_DUPLICATE_DISTANCE}
 * bits whose face, when both show one, is near-identical (`copySimilarityAt`). Different poses of one session can
 * hash close (same background, same framing); their faces differ more than a re-encoded copy's ever do.
 */
export function duplicateOf(photo: SetPhoto, earlier: readonly SetPhoto[], scorer: SetScorer): Duplicate | null {
  const same = earlier.find((o) => o.sha256 === photo.sha256);
  if (same) return { ofPhotoId: same.id, distance: 0, exact: true };
  if (!photo.phash) return null;
  const mine = embeddingOf(photo, scorer);
  let nearest: Duplicate | null = null;
  for (const other of earlier) {
    if (!other.phash) continue;
    const distance = hammingDistance(photo.phash, other.phash);
    if (distance > NEAR_DUPLICATE_DISTANCE || (nearest && distance >= nearest.distance)) continue;
    const theirs = embeddingOf(other, scorer);
    if (mine && theirs) {
      const faceSimilarity = round4(scorer.similarity(mine, theirs));
      if (faceSimilarity < LIKENESS_CALIBRATION.copySimilarityAt) continue;
      nearest = { ofPhotoId: other.id, distance, exact: false, faceSimilarity };
    } else {
      nearest = { ofPhotoId: other.id, distance, exact: false };
    }
  }
  return nearest;
}

/** Whether a photo's face can stand for the person: one face, sharp and big enough, made by `scorer`. */
function judgeable(photo: SetPhoto, scorer: SetScorer): boolean {
  const { checks } = photo;
  return (
    !photo.excluded &&
    photo.faces?.faces.length === 1 &&
    embeddingOf(photo, scorer) !== null &&
    !checks.blurry?.failed &&
    !checks.faceTooSmall?.failed
  );
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export type DifferentPerson = NonNullable<PhotoChecksContract['differentPerson']>;

/**
 * Who is probably not the person of the set: each judgeable photo's mean similarity to the other judgeable photos,
 * ranked from the least alike. Only the least alike can be flagged, and only when it is clearly apart
 * ({@link PHOTO_CHECK_THRESHOLDS}): with a thin margin between people, a ranking is safer than a yes/no threshold.
 */
export function differentPersonChecks(photos: readonly SetPhoto[], scorer: SetScorer): Map<string, DifferentPerson> {
  const set = photos.filter((p) => judgeable(p, scorer));
  const result = new Map<string, DifferentPerson>();
  if (set.length < PHOTO_CHECK_THRESHOLDS.minSetSize) return result;
  const embeddings = set.map((p) => embeddingOf(p, scorer)!);
  const means = embeddings.map((mine, i) => {
    let sum = 0;
    embeddings.forEach((theirs, j) => {
      if (i !== j) sum += scorer.similarity(mine, theirs);
    });
    return sum / (embeddings.length - 1);
  });
  const order = means.map((_, i) => i).sort((a, b) => means[a]! - means[b]!);
  order.forEach((index, position) => {
    const others = means.filter((_, i) => i !== index);
    const typical = median(others);
    const similarity = means[index]!;
    const failed =
      position === 0 &&
      similarity < LIKENESS_CALIBRATION.recognisableAt &&
      typical - similarity >= PHOTO_CHECK_THRESHOLDS.apartBy;
    result.set(set[index]!.id, {
      similarity: round4(similarity),
      typical: round4(typical),
      rank: position + 1,
      comparedWith: set.length - 1,
      failed,
    });
  });
  return result;
}

/**
 * The checks of every photo of the set once the set-level verdicts (duplicate, different person) are recomputed;
 * only the photos whose checks changed are returned. Photos not analysed yet keep their intake checks, with the
 * duplicate recomputed from the hashes alone.
 */
export function recheckSet(photos: readonly SetPhoto[], scorer: SetScorer): Map<string, PhotoChecksContract> {
  const different = differentPersonChecks(photos, scorer);
  const changed = new Map<string, PhotoChecksContract>();
  photos.forEach((photo, index) => {
    const checks: PhotoChecksContract = { ...photo.checks, duplicate: duplicateOf(photo, photos.slice(0, index), scorer) };
    const verdict = different.get(photo.id);
    if (verdict) checks.differentPerson = verdict;
    else delete checks.differentPerson;
    if (canonical(checks) !== canonical(photo.checks)) changed.set(photo.id, checks);
  });
  return changed;
}
