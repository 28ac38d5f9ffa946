import { isGoodPhoto, TRIGGER_TAG, type Photo } from '../../../../../lib/contracts/photos';

export interface Verdict {
  /** Always visible: "Blurry". */
  label: string;
  tone: 'success' | 'info' | 'warning' | 'neutral';
  /** The measured value behind it, in plain words. */
  hint: string;
}

/** The EXIF orientations, in words. */
const ROTATIONS: Record<number, string> = {
  2: 'mirrored',
  3: 'upside down',
  4: 'upside down and mirrored',
  5: 'sideways and mirrored',
  6: 'sideways',
  7: 'sideways and mirrored',
  8: 'sideways',
};

/** What the intake checks found on a photo, in the order a person should care about. */
export function photoVerdicts(photo: Photo, nameOf: (photoId: string) => string | undefined): Verdict[] {
  const { checks } = photo;
  const verdicts: Verdict[] = [];
  if (photo.excluded) {
    verdicts.push({ label: 'Left out', tone: 'neutral', hint: 'You left this photo out of training. Tick "Use for training" to include it again.' });
  }
  if (checks.duplicate) {
    const other = nameOf(checks.duplicate.ofPhotoId);
    verdicts.push({
      label: 'Duplicate',
      tone: 'warning',
      hint: `${checks.duplicate.exact ? 'An exact copy' : 'Looks the same as'} ${checks.duplicate.exact ? 'of ' : ''}${other ? `“${other}”` : 'another photo'} (difference ${checks.duplicate.distance} of 64). Duplicates teach the model nothing new; delete one of them.`,
    });
  }
  if (checks.blurry?.failed) {
    verdicts.push({
      label: 'Blurry',
      tone: 'warning',
      hint: `Sharpness ${checks.blurry.sharpness}; photos below ${checks.blurry.threshold} look blurry and make the likeness soft.`,
    });
  }
  if (checks.tooSmall?.failed) {
    verdicts.push({
      label: 'Too small',
      tone: 'warning',
      hint: `The shortest side is ${checks.tooSmall.shortSide} px; at least ${checks.tooSmall.minimum} px is needed (training never enlarges photos).`,
    });
  }
  if (checks.orientation?.fixed) {
    verdicts.push({
      label: 'Rotated upright',
      tone: 'info',
      hint: `The camera stored this photo ${ROTATIONS[checks.orientation.exif] ?? 'turned'} (EXIF orientation ${checks.orientation.exif}); it is shown and trained upright.`,
    });
  }
  if (isGoodPhoto(photo)) {
    const details = [
      `${photo.width} × ${photo.height} px`,
      checks.blurry ? `sharpness ${checks.blurry.sharpness} (at least ${checks.blurry.threshold})` : null,
    ].filter(Boolean);
    verdicts.unshift({ label: 'Good', tone: 'success', hint: `Good for training: ${details.join(', ')}.` });
  }
  return verdicts;
}

export const mentionsTrigger = (caption: string) => caption.includes(TRIGGER_TAG);
