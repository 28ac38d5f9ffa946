import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from './similarity';

describe('cosineSimilarity', () => {
  it('is 1 for the same direction whatever the length, -1 for the opposite, 0 for orthogonal ones', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
    expect(cosineSimilarity([3, 4], [4, 3])).toBeCloseTo(24 / 25, 12);
  });

  it('is 0 against a zero vector', () => {
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
  });

  it('refuses embeddings of different or zero length', () => {
    expect(() => cosineSimilarity([1, 2], [1, 2, 3])).toThrow(/different or zero length cannot be compared \(2 and 3\)/);
    expect(() => cosineSimilarity([], [])).toThrow(/zero length/);
  });
});
