import { failedChecks, isGoodPhoto, TRIGGER_TAG, type Photo } from '../../../../../lib/contracts/photos';

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

const similarity = (value: number) => value.toFixed(3);

/**
 * What the checks found on a photo, in the order a person should care about: each verdict names what was measured and
 * what to do about it.
 */
export function photoVerdicts(photo: Photo, nameOf: (photoId: string) => string | undefined): Verdict[] {
  const { checks } = photo;
  const verdicts: Verdict[] = [];
  if (photo.excluded) {
    verdicts.push({ label: 'Left out', tone: 'neutral', hint: 'You left this photo out of training. Tick "Use for training" to include it again.' });
  }
  if (photo.analysis === 'pending') {
    verdicts.push({
      label: 'Checking…',
      tone: 'neutral',
      hint: 'Looking for the face: how many people, its size and sharpness, and whether it is the same person as the other photos. It takes a few seconds per photo.',
    });
  }
  if (photo.keptAnyway && failedChecks(checks).length > 0) {
    verdicts.push({
      label: 'Kept anyway',
      tone: 'info',
      hint: 'You chose to train with this photo despite its warnings. Choose "Undo keep anyway" to let the warnings decide again.',
    });
  }
  if (checks.noFace?.failed) {
    verdicts.push({
      label: 'No face',
      tone: 'warning',
      hint:
        checks.blurry?.failed && checks.blurry.region === 'photo'
          ? 'No face was found in this photo, which is also blurry: blur can hide a face from the check as well as from training. Use a sharp photo where the face is clearly visible, or delete this one.'
          : 'No face was found in this photo, not even a small one far from the camera. The model learns the person from their face: use photos where the face is clearly visible, or delete this one.',
    });
  }
  if (checks.severalPeople?.failed) {
    verdicts.push({
      label: 'Several people',
      tone: 'warning',
      hint: `${checks.severalPeople.count} faces were found. The model cannot tell which one is the person: crop the photo to the person alone, or delete it.`,
    });
  }
  if (checks.differentPerson?.failed) {
    const { similarity: own, typical, comparedWith } = checks.differentPerson;
    verdicts.push({
      label: 'Different person?',
      tone: 'warning',
      hint: `The face least like the others: similarity ${similarity(own)} to the other ${comparedWith} photos, which score ${similarity(typical)} on average with each other. If it is someone else, delete it; if it is the person, keep it anyway.`,
    });
  }
  if (checks.faceTooSmall?.failed) {
    const { faceSize, minimum, trainingSize } = checks.faceTooSmall;
    verdicts.push({
      label: 'Face too small',
      tone: 'warning',
      hint: `The face is ${faceSize} px once the photo is scaled to the ${trainingSize} px training size; at least ${minimum} px is needed to learn it. Use a closer photo, or crop this one around the person.`,
    });
  }
  if (checks.duplicate) {
    const other = nameOf(checks.duplicate.ofPhotoId);
    const { exact, distance, faceSimilarity } = checks.duplicate;
    const measured = exact
      ? `An exact copy of ${other ? `“${other}”` : 'another photo'}`
      : `A copy of ${other ? `“${other}”` : 'another photo'} (picture difference ${distance} of 64${faceSimilarity === undefined ? '' : `, face similarity ${similarity(faceSimilarity)}`})`;
    verdicts.push({
      label: 'Duplicate',
      tone: 'warning',
      hint: `${measured}. Duplicates teach the model nothing new; delete one of them.`,
    });
  }
  if (checks.blurry?.failed) {
    const { sharpness, threshold } = checks.blurry;
    verdicts.push({
      label: 'Blurry',
      tone: 'warning',
      hint:
        checks.blurry.region === 'face'
          ? `Face sharpness ${sharpness}; faces below ${threshold} look blurry and make the likeness soft. Use a sharper photo.`
          : `Sharpness ${sharpness}; photos below ${threshold} look blurry and make the likeness soft. Use a sharper photo.`,
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
  if (isGoodPhoto(photo) && failedChecks(checks).length === 0) {
    const details = [
      `${photo.width} × ${photo.height} px`,
      checks.faceTooSmall ? `face ${checks.faceTooSmall.faceSize} px (at least ${checks.faceTooSmall.minimum})` : null,
      checks.blurry ? `${checks.blurry.region === 'face' ? 'face ' : ''}sharpness ${checks.blurry.sharpness} (at least ${checks.blurry.threshold})` : null,
      checks.differentPerson ? `similarity ${similarity(checks.differentPerson.similarity)} to the other photos` : null,
    ].filter(Boolean);
    verdicts.unshift({ label: 'Good', tone: 'success', hint: `Good for training: ${details.join(', ')}.` });
  }
  return verdicts;
}

/** Whether the photo has warnings the user may override with "Keep anyway". */
export const canKeepAnyway = (photo: Photo) => photo.analysis === 'done' && !photo.excluded && failedChecks(photo.checks).length > 0;

export const mentionsTrigger = (caption: string) => caption.includes(TRIGGER_TAG);
