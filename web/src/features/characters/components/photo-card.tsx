import { useId, useState, type FormEvent } from 'react';
import { PHOTO_LIMITS, TRIGGER_TAG, type Photo } from '../../../../../lib/contracts/photos';
import { Button } from '../../../components/ui/button';
import { HintBadge } from '../../../components/ui/hint-badge';
import { toFormErrors } from '../../../lib/field-errors';
import { useUpdatePhoto } from '../api/update-photo';
import { canKeepAnyway, mentionsTrigger, photoVerdicts } from '../utils/photo-verdicts';

interface PhotoCardProps {
  photo: Photo;
  nameOf: (photoId: string) => string | undefined;
  onDeleteRequested: (photo: Photo) => void;
}

/** One photo: its preview, what the checks found, its caption (editable in place), and whether training uses it. */
export function PhotoCard({ photo, nameOf, onDeleteRequested }: PhotoCardProps) {
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

function CaptionEditor({ photo }: { photo: Photo }) {
  const id = useId();
  const [caption, setCaption] = useState(photo.caption);
  const [stored, setStored] = useState(photo.caption);
  // The stored caption changed (saved here, or elsewhere): show it.
  if (stored !== photo.caption) {
    setStored(photo.caption);
    setCaption(photo.caption);
  }
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const updatePhoto = useUpdatePhoto();
  const dirty = caption !== photo.caption;

  function save(event?: FormEvent) {
    event?.preventDefault();
    if (!dirty) return;
    setError(undefined);
    updatePhoto.mutate(
      { id: photo.id, patch: { caption } },
      {
        onSuccess: () => setSaved(true),
        onError: (err) => {
          const errors = toFormErrors(err, ['caption'] as const);
          setError(errors.fields.caption ?? errors.form);
        },
      },
    );
  }

  const describedBy = [error ? `${id}-error` : null, !mentionsTrigger(caption) ? `${id}-note` : null].filter(Boolean).join(' ');
  return (
    <form className="caption-form" onSubmit={save} noValidate>
      <label htmlFor={id} className="caption-label">
        Caption<span className="visually-hidden"> of {photo.originalName}</span>
      </label>
      <div className="caption-row">
        <input
          id={id}
          type="text"
          value={caption}
          maxLength={PHOTO_LIMITS.captionMaxLength}
          autoComplete="off"
          spellCheck
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy || undefined}
          onChange={(e) => {
            setCaption(e.target.value);
            setSaved(false);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && dirty) {
              e.preventDefault();
              setCaption(photo.caption);
              setError(undefined);
            }
          }}
        />
        {dirty && (
          <Button type="submit" variant="primary" disabled={updatePhoto.isPending}>
            {updatePhoto.isPending ? 'Saving…' : 'Save'}
            <span className="visually-hidden"> caption of {photo.originalName}</span>
          </Button>
        )}
      </div>
      {!mentionsTrigger(caption) && (
        <p id={`${id}-note`} className="field-hint caption-note">
          No {TRIGGER_TAG} in this caption: the model learns the trigger word only from captions that have it.
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
      <p role="status" className="visually-hidden">
        {saved && !dirty ? `Caption of ${photo.originalName} saved.` : ''}
      </p>
    </form>
  );
}
