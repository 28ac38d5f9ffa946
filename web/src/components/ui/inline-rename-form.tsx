import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Button } from './button';

interface InlineRenameFormProps {
  /** The name now: shown selected; saving it unchanged only closes the form. */
  name: string;
  /** Checks the name before any request: the message to show, or nothing when it may be sent. */
  check: (name: string) => string | undefined;
  /** Sends the new name; `failed` shows the server's message and keeps the form open. */
  save: (name: string, outcome: { saved: () => void; failed: (message: string) => void }) => void;
  saving: boolean;
  onDone: () => void;
}

/** Renames something in place (a character, a LoRA): Enter saves, Escape or Cancel leaves it as it was. */
export function InlineRenameForm({ name: current, check, save, saving, onDone }: InlineRenameFormProps) {
  const [name, setName] = useState(current);
  const [error, setError] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const refuse = (message: string) => {
    setError(message);
    input.current?.focus();
  };

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    if (name === current) {
      onDone();
      return;
    }
    const refused = check(name);
    if (refused) refuse(refused);
    else save(name, { saved: onDone, failed: refuse });
  }

  return (
    <form className="rename-form" onSubmit={onSubmit} noValidate>
      <label htmlFor={id} className="visually-hidden">
        New name for {current}
      </label>
      <input
        ref={input}
        id={id}
        type="text"
        required
        maxLength={80}
        autoComplete="off"
        value={name}
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
          }
        }}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <div className="row-actions">
        <Button type="submit" variant="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </Button>
        <Button variant="quiet" onClick={onDone} disabled={saving}>
          Cancel
        </Button>
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </form>
  );
}
