import type { CheckpointLikeness, PictureLikeness } from '../../../../../lib/contracts/likeness';

/** A likeness (cosine similarity, 0–1) as the page writes it: two decimals, the margin between people is thin. */
export const formatLikeness = (value: number) => value.toFixed(2);

/** "3 of 5 recognisable" for a point of the curve. */
export const recognisableOf = (point: Pick<CheckpointLikeness, 'recognisable' | 'samples'>) => `${point.recognisable} of ${point.samples} recognisable`;

/** What a sample tile says of its likeness. */
export function describeSampleLikeness(likeness: PictureLikeness | null): string {
  if (!likeness) return 'Not scored yet';
  switch (likeness.status) {
    case 'scored':
      return `Likeness ${formatLikeness(likeness.similarity ?? 0)} · ${likeness.recognisable ? 'recognisable' : 'not recognisable'}`;
    case 'no_face':
      return 'No face';
    case 'no_reference':
      return 'No training photo to compare with';
    case 'unreadable':
      return 'Could not be read';
  }
}
