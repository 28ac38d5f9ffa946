import { describe, expect, it } from 'vitest';
import type { DetectedFace } from './interface';
import { selectFaces } from './select-faces';

function face(side: number, confidence: number): DetectedFace {
  return { box: { x: 0, y: 0, width: side, height: side }, confidence, landmarks: [], embedding: [side] };
}

describe('selectFaces', () => {
  const selection = { minConfidence: 0.5, minRelativeSize: 0.3 };

  it('drops detections below the confidence floor', () => {
    expect(selectFaces([face(100, 0.49), face(100, 0.5)], selection).map((f) => f.confidence)).toEqual([0.5]);
  });

  it('drops faces much smaller than the largest and lists the rest largest first', () => {
    const kept = selectFaces([face(29, 0.9), face(60, 0.9), face(100, 0.9), face(30, 0.9)], selection);
    expect(kept.map((f) => f.box.width)).toEqual([100, 60, 30]);
  });

  it('measures the largest among confident faces only', () => {
    // A large false detection under the floor must not make the real, smaller face look negligible.
    expect(selectFaces([face(400, 0.2), face(80, 0.95)], selection).map((f) => f.box.width)).toEqual([80]);
  });

  it('finds nothing in nothing', () => {
    expect(selectFaces([], selection)).toEqual([]);
  });
});
