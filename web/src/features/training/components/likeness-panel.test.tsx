import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { RunLikeness } from '../../../../../lib/contracts/likeness';
import { LikenessPanel } from './likeness-panel';

const curve: RunLikeness['curve'] = [
  { step: 0, mean: null, recognisable: 0, samples: 5, copies: 0 },
  { step: 250, mean: 0.9012, recognisable: 1, samples: 5, copies: 0 },
  { step: 500, mean: 0.9521, recognisable: 4, samples: 5, copies: 0 },
  { step: 1000, mean: 0.97, recognisable: 5, samples: 5, copies: 2 },
];

const region = () => screen.getByRole('region', { name: 'Likeness' });

describe('The likeness of a run', () => {
  it('says what will appear before any sample is scored', () => {
    render(<LikenessPanel likeness={null} totalSteps={1000} />);
    expect(within(region()).getByText(/the likeness per step appears here with the first samples/)).toBeTruthy();
    expect(within(region()).queryByRole('table')).toBeNull();
  });

  it('draws the curve and lists per step the mean, how many are recognisable and the copies, while the run goes on', () => {
    render(<LikenessPanel likeness={{ scorer: 'face-api@1', curve, recommended: null }} totalSteps={1000} />);
    expect(within(region()).getByRole('img').getAttribute('aria-label')).toBe('Likeness over 4 sample steps; at step 1000: mean 0.97, 5 of 5 recognisable.');
    const rows = within(region()).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell').map((cell) => cell.textContent))).toEqual([
      ['no face', '0 of 5 recognisable', '—'],
      ['0.90', '1 of 5 recognisable', '—'],
      ['0.95', '4 of 5 recognisable', '—'],
      ['0.97', '5 of 5 recognisable', '2 copy a training photo'],
    ]);
    expect(within(region()).queryByText(/Recommended checkpoint/)).toBeNull();
    // The line from which a picture counts as recognisable, labelled with its value.
    expect(within(region()).getByText('recognisable from 0.935')).toBeTruthy();
  });

  it('at the end, shows the recommended checkpoint, "N of M pictures recognisable", why, and that the final one stays', () => {
    const reason = 'Step 500 (the highest likeness of 3 checkpoints): 4 of 5 pictures recognisable, mean likeness 0.95; step 1000 copies training photos.';
    render(
      <LikenessPanel
        likeness={{ scorer: 'face-api@1', curve, recommended: { step: 500, finalStep: 1000, recognisable: 4, samples: 5, mean: 0.9521, reason } }}
        totalSteps={1000}
      />,
    );
    const box = within(region());
    expect(box.getByText('Recommended checkpoint: step 500')).toBeTruthy();
    expect(box.getByText('4 of 5 pictures recognisable').closest('p')!.textContent).toBe('4 of 5 pictures recognisable · mean likeness 0.95');
    expect(box.getByText(reason)).toBeTruthy();
    expect(box.getByText(/the final checkpoint \(step 1000\) stays available/)).toBeTruthy();
    const recommendedRow = box.getAllByRole('row').find((row) => row.getAttribute('aria-current') === 'true')!;
    expect(within(recommendedRow).getByRole('rowheader').textContent).toBe('500Recommended');
  });

  it('names the final checkpoint when it is the one recommended', () => {
    const reason = 'Likeness could not be measured: no face in the samples: the final checkpoint (step 1000) is used.';
    const faceless = curve.map((p) => ({ ...p, mean: null, recognisable: 0, copies: 0 }));
    render(
      <LikenessPanel likeness={{ scorer: 'face-api@1', curve: faceless, recommended: { step: 1000, finalStep: 1000, recognisable: 0, samples: 5, mean: null, reason } }} totalSteps={1000} />,
    );
    expect(within(region()).getByText('Recommended checkpoint: the final one (step 1000)')).toBeTruthy();
    expect(within(region()).getByText(reason)).toBeTruthy();
    expect(within(region()).queryByText(/stays available/)).toBeNull();
  });
});
