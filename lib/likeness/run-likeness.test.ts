import { describe, expect, it } from 'vitest';
import type { CheckpointLikeness, PictureLikeness } from '../contracts/likeness';
import { likenessCurve, recommendCheckpoint, type SampleScore } from './run-likeness';

const at = '2026-01-01T00:00:00.000Z';
const scored = (similarity: number, copy = false): PictureLikeness => ({
  scorer: 'face-api@1',
  status: 'scored',
  similarity,
  recognisable: similarity >= 0.935,
  faces: 1,
  copyOf: copy ? { photoId: 'p1', similarity: 0.99 } : null,
  scoredAt: at,
});
const noFace: PictureLikeness = { scorer: 'face-api@1', status: 'no_face', similarity: null, recognisable: false, faces: 0, copyOf: null, scoredAt: at };

const point = (step: number, mean: number | null, recognisable: number, samples: number, copies = 0): CheckpointLikeness => ({
  step,
  mean,
  recognisable,
  samples,
  copies,
});
const checkpoints = (...steps: number[]) => [...steps.map((step) => ({ step, final: false })), { step: 1000, final: true }];

describe('the likeness curve of a run', () => {
  it('gives per step the mean of the faces, how many are recognisable and how many copy a photo', () => {
    const samples: SampleScore[] = [
      { step: 500, likeness: scored(0.95) },
      { step: 250, likeness: scored(0.9) },
      { step: 250, likeness: noFace },
      { step: 500, likeness: scored(0.99, true) },
      { step: 500, likeness: null },
    ];
    expect(likenessCurve(samples)).toEqual([point(250, 0.9, 0, 2), point(500, 0.97, 2, 2, 1)]);
  });

  it('has no point for a step with nothing scored yet, and a null mean for a step without a face', () => {
    expect(likenessCurve([{ step: 0, likeness: null }, { step: 250, likeness: noFace }])).toEqual([point(250, null, 0, 1)]);
  });
});

describe('the recommended checkpoint', () => {
  it('is the highest likeness that copies no training photo, and the reason names the numbers and the copies', () => {
    const curve = [point(0, 0.8, 0, 4), point(250, 0.9, 1, 4), point(750, 0.95, 4, 4), point(500, 0.93, 2, 4), point(1000, 0.97, 4, 4, 2)];
    const recommended = recommendCheckpoint({ curve, checkpoints: checkpoints(250, 500, 750), references: 8 });
    expect(recommended).toEqual({
      step: 750,
      finalStep: 1000,
      recognisable: 4,
      samples: 4,
      mean: 0.95,
      reason: 'Step 750 (the highest likeness of 4 checkpoints): 4 of 4 pictures recognisable, mean likeness 0.95; step 1000 copies training photos.',
    });
  });

  it('breaks a tie of means by the share recognisable, then by the earlier step', () => {
    const shares = [point(250, 0.95, 2, 4), point(500, 0.95, 3, 4), point(1000, 0.9, 0, 4)];
    expect(recommendCheckpoint({ curve: shares, checkpoints: checkpoints(250, 500), references: 3 })?.step).toBe(500);
    const same = [point(250, 0.95, 3, 4), point(500, 0.95, 3, 4), point(1000, 0.9, 0, 4)];
    expect(recommendCheckpoint({ curve: same, checkpoints: checkpoints(250, 500), references: 3 })?.step).toBe(250);
  });

  it('only considers checkpoints that still exist (the engine pruned 250)', () => {
    const curve = [point(250, 0.99, 4, 4), point(500, 0.95, 3, 4), point(1000, 0.9, 1, 4)];
    expect(recommendCheckpoint({ curve, checkpoints: checkpoints(500), references: 3 })?.step).toBe(500);
  });

  it('is the final checkpoint when it is the best one, naming several overfitting ones if any', () => {
    const curve = [point(250, 0.96, 3, 4, 1), point(500, 0.97, 4, 4, 2), point(1000, 0.95, 3, 4)];
    expect(recommendCheckpoint({ curve, checkpoints: checkpoints(250, 500), references: 3 })).toMatchObject({
      step: 1000,
      reason: 'Step 1000 (the highest likeness of 3 checkpoints): 3 of 4 pictures recognisable, mean likeness 0.95; steps 250 and 500 copy training photos.',
    });
  });

  it('when every checkpoint copies training photos: the one that copies least, said in plain words', () => {
    const curve = [point(500, 0.97, 4, 4, 1), point(1000, 0.98, 4, 4, 3)];
    expect(recommendCheckpoint({ curve, checkpoints: checkpoints(500), references: 3 })).toMatchObject({
      step: 500,
      reason: expect.stringContaining('Every checkpoint copies training photos (overfitting); this one copies the fewest (1 of 4)'),
    });
  });

  it('falls back to the final checkpoint when likeness cannot be measured, and says why', () => {
    const faceless = [point(500, null, 0, 4), point(1000, null, 0, 4)];
    expect(recommendCheckpoint({ curve: faceless, checkpoints: checkpoints(500), references: 3 })).toEqual({
      step: 1000,
      finalStep: 1000,
      recognisable: 0,
      samples: 4,
      mean: null,
      reason: 'Likeness could not be measured: no face in the samples: the final checkpoint (step 1000) is used.',
    });
    const curve = [point(500, 0.97, 4, 4), point(1000, 0.9, 1, 4)];
    expect(recommendCheckpoint({ curve, checkpoints: checkpoints(500), references: 0 })?.reason).toBe(
      'Likeness could not be measured: no training photo shows one clear face to compare the samples with: the final checkpoint (step 1000) is used.',
    );
    expect(recommendCheckpoint({ curve: [point(250, 0.97, 4, 4)], checkpoints: checkpoints(500), references: 3 })?.reason).toBe(
      'Likeness could not be measured: no samples were made at the saved checkpoints: the final checkpoint (step 1000) is used.',
    );
  });

  it('is none for a run without checkpoints; the newest step stands in for a missing final file', () => {
    expect(recommendCheckpoint({ curve: [point(250, 0.97, 4, 4)], checkpoints: [], references: 3 })).toBeNull();
    const stopped = recommendCheckpoint({ curve: [point(250, 0.9, 1, 4)], checkpoints: [{ step: 250, final: false }, { step: 120, final: false }], references: 0 });
    expect(stopped).toMatchObject({ step: 250, finalStep: 250 });
  });
});
