import { useState } from 'react';
import type { Photo } from '../../../../../lib/contracts/photos';
import { Button } from '../../../components/ui/button';
import { HintBadge } from '../../../components/ui/hint-badge';
import { useUpdatePhoto } from '../api/update-photo';
import { canKeepAnyway, photoVerdicts } from '../utils/photo-verdicts';
import { CaptionEditor } from './caption-editor';

interface PhotoCardProps {
  photo: Photo;
  nameOf: (photoId: string) => string | undefined;
  onDeleteRequested: (photo: Photo) => void;
  /** Chosen for "Write captions" (the selected photos only). */
  selected?: boolean | undefined;
  onSelectedChange?: ((selected: boolean) => void) | undefined;
}

/** One photo: its preview, what the checks found, its caption (editable in place), and whether training uses it. */
export function PhotoCard({ photo, nameOf, onDeleteRequested, selected = false, onSelectedChange }: PhotoCardProps) {
  const updatePhoto = useUpdatePhoto();
  // Optimistic: the box shows the new choice at once (state set in the click itself, so the controlled box never
  // flips back for a moment), and goes back if the server refuses it.
  const [choice, setChoice] = useState<boolean | null>(null);
  const excluded = choice ?? photo.excluded;
  const chooseExcluded = (next: boolean) => {
    setChoice(next);
    updatePhoto.mutate({ id: photo.id, patch: { excluded: next } }, { onSettled: () => setChoice(null) });
  };
  const verdicts = photoVerdicts({ ...photo, excluded }, nameOf);
  const keepAnyway = useUpdatePhoto();
  const chooseKeep = (next: boolean) => keepAnyway.mutate({ id: photo.id, patch: { keepAnyway: next } });
  const error = updatePhoto.error ?? keepAnyway.error;
  return (
    <li className={excluded ? 'photo-card photo-card--excluded' : 'photo-card'} aria-busy={photo.analysis === 'pending' || undefined}>
      <a href={photo.url} target="_blank" rel="noopener noreferrer" className="photo-thumb-link">
        <img
          src={photo.thumbnailUrl}
          alt={photo.originalName}
          className="photo-thumb"
          loading="lazy"
          width={160}
          height={160}
        />
        <span className="visually-hidden"> (opens the full photo in a new tab)</span>
      </a>
      <div className="photo-body">
        <p className="photo-name" title={photo.originalName}>
          {photo.originalName}
        </p>
        <ul className="verdicts" aria-label={`Checks of ${photo.originalName}`}>
          {verdicts.map((v) => (
            <li key={v.label}>
              <HintBadge tone={v.tone} hint={v.hint}>
                {v.label}
              </HintBadge>
            </li>
          ))}
        </ul>
        <CaptionEditor photo={photo} />
        <div className="photo-actions">
          {onSelectedChange && (
            <label className="check-option">
              <input type="checkbox" checked={selected} onChange={(e) => onSelectedChange(e.target.checked)} />
              Select<span className="visually-hidden"> {photo.originalName} for captions</span>
            </label>
          )}
          <label className="check-option">
            <input
              type="checkbox"
              checked={!excluded}
              onChange={(e) => chooseExcluded(!e.target.checked)}
            />
            Use for training<span className="visually-hidden"> ({photo.originalName})</span>
          </label>
          {!excluded && photo.keptAnyway && (
            <Button variant="quiet" disabled={keepAnyway.isPending} onClick={() => chooseKeep(false)}>
              Undo keep anyway<span className="visually-hidden"> ({photo.originalName})</span>
            </Button>
          )}
          {!photo.keptAnyway && canKeepAnyway({ ...photo, excluded }) && (
            <Button variant="quiet" disabled={keepAnyway.isPending} onClick={() => chooseKeep(true)}>
              Keep anyway<span className="visually-hidden"> ({photo.originalName})</span>
            </Button>
          )}
          <Button variant="quiet" className="button--quiet-danger" onClick={() => onDeleteRequested(photo)}>
            Delete<span className="visually-hidden"> {photo.originalName}</span>
          </Button>
        </div>
        {error && (
          <p role="alert" className="form-error">
            {error.message}
          </p>
        )}
      </div>
    </li>
  );
}
