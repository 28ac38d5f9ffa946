import type { PictureLikeness } from '../../../../../lib/contracts/likeness';

/** The likeness under a picture, in words: scored in the background after the picture is made. */
export function likenessText(likeness: PictureLikeness | null): string {
  if (!likeness) return 'Scoring…';
  switch (likeness.status) {
    case 'no_face':
      return 'No face';
    case 'no_reference':
      return 'No photo to compare with';
    case 'unreadable':
      return 'Could not be scored';
    case 'scored': {
      const parts = [`Likeness ${(likeness.similarity ?? 0).toFixed(2)}`, likeness.recognisable ? 'recognisable' : 'not recognisable'];
      if (likeness.copyOf) parts.push('copies a training photo');
      return parts.join(' · ');
    }
  }
}

export function LikenessNote({ likeness }: { likeness: PictureLikeness | null }) {
  const tone = likeness?.status === 'scored' ? (likeness.copyOf ? 'warning' : likeness.recognisable ? 'success' : 'neutral') : 'neutral';
  return <p className={`compare-likeness compare-likeness--${tone}`}>{likenessText(likeness)}</p>;
}
