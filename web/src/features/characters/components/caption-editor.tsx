import { useId, useLayoutEffect, useRef } from 'react';
import { PHOTO_LIMITS, TRIGGER_TAG, type Photo } from '../../../../../lib/contracts/photos';
import { useCaptionAutosave } from '../hooks/use-caption-autosave';
import { mentionsTrigger } from '../utils/photo-verdicts';

const STATE_TEXT = { idle: '', saving: 'Saving…', saved: 'Saved', error: 'Not saved' } as const;

/**
 * A photo's caption, edited in place: the box grows to show the whole text and saves itself when it loses focus,
 * on Enter, when the page changes and when it is reloaded. Esc puts back the saved caption.
 */
export function CaptionEditor({ photo }: { photo: Photo }) {
  const id = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const { draft, setDraft, save, revert, state, error, dirty } = useCaptionAutosave(photo);

  // Tall enough for the whole caption, however long.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = 'auto';
    if (el.scrollHeight > 0) el.style.height = `${el.scrollHeight + 2}px`;
  }, [draft]);

  const describedBy = [error ? `${id}-error` : null, !mentionsTrigger(draft) ? `${id}-note` : null].filter(Boolean).join(' ');
  const shown = dirty && state !== 'saving' && state !== 'error' ? 'Unsaved' : STATE_TEXT[state];
  return (
    <div className="caption-form">
      <div className="caption-head">
        <label htmlFor={id} className="caption-label">
          Caption<span className="visually-hidden"> of {photo.originalName}</span>
        </label>
        {shown && (
          <span className={`caption-state caption-state--${state}`} aria-hidden="true">
            {shown}
          </span>
        )}
      </div>
      <textarea
        id={id}
        ref={box}
        className="caption-box"
        rows={1}
        value={draft}
        maxLength={PHOTO_LIMITS.captionMaxLength}
        autoComplete="off"
        spellCheck
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        onChange={(e) => setDraft(e.target.value.replace(/\r?\n/g, ' '))}
        onBlur={() => void save()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void save();
          } else if (e.key === 'Escape' && dirty) {
            e.preventDefault();
            revert();
          }
        }}
      />
      {!mentionsTrigger(draft) && (
        <p id={`${id}-note`} className="field-hint caption-note">
          No {TRIGGER_TAG} in this caption: the model learns the trigger word only from captions that have it.
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          Not saved: {error}{' '}
          <button type="button" className="link-button" onClick={() => void save()}>
            Try again<span className="visually-hidden"> to save the caption of {photo.originalName}</span>
          </button>
        </p>
      )}
      <p role="status" className="visually-hidden">
        {state === 'saved' ? `Caption of ${photo.originalName} saved.` : state === 'saving' ? `Saving the caption of ${photo.originalName}…` : ''}
      </p>
    </div>
  );
}
