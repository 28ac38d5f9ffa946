import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PictureLikeness } from '../../../../../lib/contracts/likeness';
import type { TrainingRun } from '../../../../../lib/contracts/training';
import { SamplesGallery } from './samples-gallery';

const at = '2026-01-15T10:00:00.000Z';
const likeness = (over: Partial<PictureLikeness>): PictureLikeness => ({
  scorer: 'face-api@1',
  status: 'scored',
  similarity: 0.95,
  recognisable: true,
  faces: 1,
  copyOf: null,
  scoredAt: at,
  ...over,
});

function sample(step: number, promptIndex: number, score: PictureLikeness | null): TrainingRun['samples'][number] {
  const id = `00000000-0000-4000-8000-${String(step * 10 + promptIndex).padStart(12, '0')}`;
  return { id, step, promptIndex, prompt: `[trigger] prompt ${promptIndex}`, url: `/api/trainings/r/samples/${id}`, likeness: score };
}

describe('The sample images of a run', () => {
  it('shows each sample with its likeness, "No face", or that it is not scored yet, and flags copies of training photos', () => {
    render(
      <SamplesGallery
        triggerWord="subj_x1"
        samples={[
          sample(250, 0, likeness({ similarity: 0.9012, recognisable: false })),
          sample(250, 1, likeness({ status: 'no_face', similarity: null, recognisable: false, faces: 0 })),
          sample(500, 0, likeness({ similarity: 0.991, copyOf: { photoId: 'p1', similarity: 0.993 } })),
          sample(500, 1, null),
        ]}
      />,
    );
    const tiles = within(screen.getByRole('region', { name: 'Sample images' })).getAllByRole('listitem');
    // Newest step first.
    const [copy, unscored, far, noFace] = tiles;
    expect(within(copy!).getByText('Likeness 0.99 · recognisable')).toBeTruthy();
    expect(within(copy!).getByText(/Copies a training photo/).textContent).toBe('Copies a training photo (overfitting)');
    expect(within(unscored!).getByText('Not scored yet')).toBeTruthy();
    expect(within(far!).getByText('Likeness 0.90 · not recognisable')).toBeTruthy();
    expect(within(far!).queryByText(/Copies a training photo/)).toBeNull();
    expect(within(noFace!).getByText('No face')).toBeTruthy();
    expect(within(noFace!).getByText('subj_x1 prompt 1')).toBeTruthy();
  });
});
