import { describe, expect, it } from 'vitest';
import type { PhotoFaces } from '../../lib/contracts/likeness';
import { cosineSimilarity } from '../../plugins/identity/similarity';
import { differentPersonChecks, duplicateOf, recheckSet, type SetPhoto, type SetScorer } from './set-checks';

const scorer: SetScorer = { key: 'test@1', similarity: cosineSimilarity };
const DIMENSIONS = 64;

/**
 * An embedding at cosine `alike` from the person's direction (axis 0), with a part of its own (axis `own`): two such
 * embeddings are `alike₁ × alike₂` apart, so photos of one person at 0.982 score 0.965 together (issue 23's mean),
 * and another person at 0.851 scores 0.836 with them.
 */
function embedding(alike: number, own: number, person = 0): number[] {
  const v = new Array<number>(DIMENSIONS).fill(0);
  v[person] = alike;
  v[own] = Math.sqrt(1 - alike * alike);
  return v;
}

let next = 0;
function photo(options: { embedding?: number[] | null; faces?: number; phash?: string; sha256?: string; excluded?: boolean; checks?: SetPhoto['checks']; scorer?: string } = {}): SetPhoto {
  const id = `photo-${++next}`;
  const count = options.faces ?? (options.embedding === null ? 0 : 1);
  const faces: PhotoFaces = {
    scorer: options.scorer ?? scorer.key,
    faces: Array.from({ length: count }, () => ({ box: { x: 10, y: 10, width: 200, height: 240 }, confidence: 0.99 })),
    embedding: options.embedding ?? null,
    width: 768,
    height: 1024,
    analysedAt: '2026-01-01T00:00:00.000Z',
  };
  return {
    id,
    sha256: options.sha256 ?? id,
    phash: options.phash ?? null,
    excluded: options.excluded ?? false,
    faces,
    checks: options.checks ?? {},
  };
}

/** Photos of one person: each at `alike` from the person, with its own variation. */
const personSet = (alikes: number[], firstAxis = 10) => alikes.map((a, i) => photo({ embedding: embedding(a, firstAxis + i) }));

describe('the odd one out', () => {
  it('flags a photo of another person slipped into a set, with its similarity, and nobody else', () => {
    const set = personSet([0.98, 0.985, 0.975, 0.982, 0.99]);
    const stranger = photo({ embedding: embedding(0.851, 40) });
    const checks = differentPersonChecks([...set, stranger], scorer);
    const verdict = checks.get(stranger.id)!;
    expect(verdict).toMatchObject({ rank: 1, comparedWith: 5, failed: true });
    expect(verdict.similarity).toBeCloseTo(0.851 * 0.982, 2);
    expect(verdict.typical - verdict.similarity).toBeGreaterThan(0.09);
    for (const p of set) expect(checks.get(p.id)!.failed).toBe(false);
  });

  it('flags nobody in a set of one person, not even its least alike photo', () => {
    const set = personSet([0.99, 0.985, 0.98, 0.975, 0.96]);
    const checks = differentPersonChecks(set, scorer);
    const least = checks.get(set[4]!.id)!;
    expect(least.rank).toBe(1);
    expect(least.failed).toBe(false);
    expect([...checks.values()].filter((c) => c.failed)).toEqual([]);
  });

  it('flags only the least alike when two strangers slipped in, and the other once that one is gone', () => {
    const set = personSet([0.98, 0.985, 0.975, 0.982, 0.99, 0.98]);
    const first = photo({ embedding: embedding(0.84, 40, 1) });
    const second = photo({ embedding: embedding(0.86, 41, 2) });
    const checks = differentPersonChecks([...set, first, second], scorer);
    expect(checks.get(first.id)!.failed).toBe(true);
    expect(checks.get(second.id)).toMatchObject({ rank: 2, failed: false });
    expect(differentPersonChecks([...set, second], scorer).get(second.id)!.failed).toBe(true);
  });

  it('needs three photos with one judgeable face; leaves out group photos, excluded, blurry, tiny faces and other scorers', () => {
    const [a, b] = personSet([0.98, 0.98]);
    const stranger = photo({ embedding: embedding(0.85, 40) });
    expect(differentPersonChecks([a!, b!], scorer).size).toBe(0);
    const ignored = [
      photo({ embedding: embedding(0.5, 41), faces: 3 }),
      photo({ embedding: embedding(0.5, 42), excluded: true }),
      photo({ embedding: embedding(0.5, 43), checks: { blurry: { sharpness: 20, threshold: 55, failed: true, region: 'face' } } }),
      photo({ embedding: embedding(0.5, 44), checks: { faceTooSmall: { faceSize: 40, minimum: 96, trainingSize: 1024, failed: true } } }),
      photo({ embedding: embedding(0.5, 45).slice(0, 32), scorer: 'other@1' }),
      photo({ embedding: null }),
    ];
    const checks = differentPersonChecks([a!, b!, stranger, ...ignored], scorer);
    expect([...checks.keys()].sort()).toEqual([a!.id, b!.id, stranger.id].sort());
    expect(checks.get(stranger.id)!.failed).toBe(true);
  });
});

describe('duplicates', () => {
  const hash = '0123456789abcdef';
  /** `hash` with its lowest `bits` bits flipped. */
  const near = (bits: number) => (BigInt(`0x${hash}`) ^ ((1n << BigInt(bits)) - 1n)).toString(16).padStart(16, '0');

  it('calls the same file a duplicate, whatever its face', () => {
    const original = photo({ sha256: 'same', phash: hash, embedding: embedding(0.98, 10) });
    const copy = photo({ sha256: 'same', phash: hash, embedding: embedding(0.98, 10) });
    expect(duplicateOf(copy, [original], scorer)).toEqual({ ofPhotoId: original.id, distance: 0, exact: true });
  });

  it('calls a near-identical picture with a near-identical face a duplicate, with both measures', () => {
    const original = photo({ phash: hash, embedding: embedding(0.98, 10) });
    const reencoded = photo({ phash: near(4), embedding: embedding(0.98, 10).map((x, i) => (i === 11 ? 0.05 : x)) });
    const duplicate = duplicateOf(reencoded, [original], scorer)!;
    expect(duplicate).toMatchObject({ ofPhotoId: original.id, distance: 4, exact: false });
    expect(duplicate.faceSimilarity).toBeGreaterThan(0.985);
  });

  it('does not call another pose a duplicate when the pictures hash close but the faces differ as two photos do', () => {
    const original = photo({ phash: hash, embedding: embedding(0.982, 10) });
    const otherPose = photo({ phash: near(4), embedding: embedding(0.982, 11) });
    expect(duplicateOf(otherPose, [original], scorer)).toBeNull();
  });

  it('falls back on the hash alone when a photo has no face, and ignores pictures far apart', () => {
    const landscape = photo({ phash: hash, embedding: null });
    expect(duplicateOf(photo({ phash: near(6), embedding: null }), [landscape], scorer)).toMatchObject({ distance: 6, exact: false });
    expect(duplicateOf(photo({ phash: near(12), embedding: null }), [landscape], scorer)).toBeNull();
  });
});

describe('rechecking a set', () => {
  it('returns only the photos whose checks changed, and clears a verdict once its cause is gone', () => {
    const set = personSet([0.98, 0.985, 0.975, 0.982]);
    const stranger = photo({ embedding: embedding(0.85, 40) });
    const first = recheckSet([...set, stranger], scorer);
    expect(first.get(stranger.id)!.differentPerson!.failed).toBe(true);
    const stored = [...set, stranger].map((p) => ({ ...p, checks: first.get(p.id) ?? p.checks }));
    expect(recheckSet(stored, scorer).size).toBe(0);
    // The stranger deleted: the others are compared among themselves again, and nobody is flagged.
    const after = recheckSet(stored.slice(0, 4), scorer);
    expect(after.size).toBe(4);
    for (const checks of after.values()) expect(checks.differentPerson!.failed).toBe(false);
  });
});
