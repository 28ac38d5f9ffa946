import { useState } from 'react';
import { PHOTO_LIMITS } from '../../../../../lib/contracts/photos';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Field } from '../../../components/ui/field';
import { useApplyCaptionToAll, useReplaceInCaptions } from '../api/captions';

const changedText = (n: number) => `${n} caption${n === 1 ? '' : 's'} changed.`;

/** "Apply to all" and "Find and replace" across a character's captions; each says how many captions changed. */
export function CaptionBulkEdits({ characterId }: { characterId: string }) {
  const [open, setOpen] = useState<'apply' | 'replace' | null>(null);
  const [caption, setCaption] = useState('photo of [trigger]');
  const [find, setFind] = useState('');
  const [replace, setReplace] = useState('');
  const [matchCase, setMatchCase] = useState(true);
  const [announcement, setAnnouncement] = useState('');
  const apply = useApplyCaptionToAll(characterId);
  const replaceAll = useReplaceInCaptions(characterId);

  const close = () => {
    apply.reset();
    replaceAll.reset();
    setOpen(null);
  };
  const done = ({ changed }: { changed: number }) => {
    setAnnouncement(changedText(changed));
    close();
  };

  return (
    <div className="caption-tools">
      <Button onClick={() => setOpen('apply')}>Apply a caption to all…</Button>
      <Button onClick={() => setOpen('replace')}>Find and replace in captions…</Button>
      <p role="status" className="muted">
        {announcement}
      </p>
      {open === 'apply' && (
        <ConfirmDialog
          title="Apply one caption to every photo"
          confirmLabel="Apply to all"
          pendingLabel="Applying…"
          pending={apply.isPending}
          error={apply.error?.message}
          onConfirm={() => apply.mutate({ caption }, { onSuccess: done })}
          onClose={close}
        >
          <p>Every photo of this character gets this caption, replacing the one it has.</p>
          <Field label="Caption for all photos">
            {(control) => <input {...control} type="text" value={caption} maxLength={PHOTO_LIMITS.captionMaxLength} onChange={(e) => setCaption(e.target.value)} />}
          </Field>
        </ConfirmDialog>
      )}
      {open === 'replace' && (
        <ConfirmDialog
          title="Find and replace in every caption"
          confirmLabel="Replace all"
          pendingLabel="Replacing…"
          pending={replaceAll.isPending}
          confirmDisabled={find === ''}
          error={replaceAll.error?.message}
          onConfirm={() => replaceAll.mutate({ find, replace, matchCase }, { onSuccess: done })}
          onClose={close}
        >
          <Field label="Find">
            {(control) => <input {...control} type="text" value={find} maxLength={PHOTO_LIMITS.captionMaxLength} onChange={(e) => setFind(e.target.value)} />}
          </Field>
          <Field label="Replace with">
            {(control) => <input {...control} type="text" value={replace} maxLength={PHOTO_LIMITS.captionMaxLength} onChange={(e) => setReplace(e.target.value)} />}
          </Field>
          <label className="check-option">
            <input type="checkbox" checked={matchCase} onChange={(e) => setMatchCase(e.target.checked)} />
            Match case
          </label>
        </ConfirmDialog>
      )}
    </div>
  );
}
