import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { LoraEntry } from '../../../../../lib/contracts/loras';
import { Button } from '../../../components/ui/button';
import { toFormErrors } from '../../../lib/field-errors';
import { useUpdateLora } from '../api/loras-api';

/** A LoRA's notes: shown as text, edited in a text area on request. */
export function LoraNotes({ lora }: { lora: Pick<LoraEntry, 'id' | 'name' | 'notes'> }) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (!editing && returnFocus.current) {
      returnFocus.current = false;
      editButton.current?.focus();
    }
  }, [editing]);

  if (editing) {
    return (
      <NotesForm
        lora={lora}
        onDone={() => {
          returnFocus.current = true;
          setEditing(false);
        }}
      />
    );
  }
  return (
    <div className="lora-notes">
      {lora.notes && <p className="lora-notes-text">{lora.notes}</p>}
      <Button ref={editButton} variant="quiet" onClick={() => setEditing(true)}>
        {lora.notes ? 'Edit notes' : 'Add notes'}
        <span className="visually-hidden"> of {lora.name}</span>
      </Button>
    </div>
  );
}

function NotesForm({ lora, onDone }: { lora: Pick<LoraEntry, 'id' | 'name' | 'notes'>; onDone: () => void }) {
  const [notes, setNotes] = useState(lora.notes);
  const [error, setError] = useState<string>();
  const update = useUpdateLora();
  const area = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  useEffect(() => {
    area.current?.focus();
  }, []);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    if (notes === lora.notes) {
      onDone();
      return;
    }
    update.mutate(
      { id: lora.id, patch: { notes } },
      {
        onSuccess: onDone,
        onError: (err) => {
          const errors = toFormErrors(err, ['notes'] as const);
          setError(errors.fields.notes ?? errors.form);
        },
      },
    );
  }

  return (
    <form className="lora-notes-form" onSubmit={onSubmit} noValidate>
      <label htmlFor={id} className="field-label">
        Notes on {lora.name}
      </label>
      <textarea
        ref={area}
        id={id}
        rows={3}
        maxLength={2000}
        value={notes}
        onChange={(e) => setNotes(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
          }
        }}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
      <div className="row-actions">
        <Button type="submit" variant="primary" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save notes'}
        </Button>
        <Button variant="quiet" onClick={onDone} disabled={update.isPending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
