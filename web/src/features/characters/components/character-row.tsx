import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { Character } from '../../../../../lib/contracts/characters';
import { paths } from '../../../config/paths';
import { Button } from '../../../components/ui/button';
import { toFormErrors } from '../../../lib/field-errors';
import { useUpdateCharacter } from '../api/update-character';

interface CharacterRowProps {
  character: Character;
  onDeleteRequested: (character: Character) => void;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function CharacterRow({ character, onDeleteRequested }: CharacterRowProps) {
  const [editing, setEditing] = useState(false);
  const renameButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (!editing && returnFocus.current) {
      returnFocus.current = false;
      renameButton.current?.focus();
    }
  }, [editing]);

  function stopEditing() {
    returnFocus.current = true;
    setEditing(false);
  }

  return (
    <li className="character-item">
      {editing ? (
        <RenameForm character={character} onDone={stopEditing} />
      ) : (
        <>
          <div className="character-main">
            <Link to={paths.character(character.id)} className="character-name">
              {character.name}
            </Link>
            <span className="character-meta">
              Trigger word <code>{character.triggerWord}</code>
              <span aria-hidden="true"> · </span>
              <span>
                Created <time dateTime={character.createdAt}>{dateFormat.format(new Date(character.createdAt))}</time>
              </span>
            </span>
          </div>
          <div className="row-actions">
            <Button ref={renameButton} variant="quiet" onClick={() => setEditing(true)}>
              Rename<span className="visually-hidden"> {character.name}</span>
            </Button>
            <Button variant="quiet" className="button--quiet-danger" onClick={() => onDeleteRequested(character)}>
              Delete<span className="visually-hidden"> {character.name}</span>
            </Button>
          </div>
        </>
      )}
    </li>
  );
}

function RenameForm({ character, onDone }: { character: Character; onDone: () => void }) {
  const [name, setName] = useState(character.name);
  const [error, setError] = useState<string>();
  const updateCharacter = useUpdateCharacter();
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    if (name === character.name) {
      onDone();
      return;
    }
    updateCharacter.mutate(
      { id: character.id, patch: { name } },
      {
        onSuccess: onDone,
        onError: (err) => {
          const errors = toFormErrors(err, ['name'] as const, 'name');
          setError(errors.fields.name ?? errors.form);
          input.current?.focus();
        },
      },
    );
  }

  return (
    <form className="rename-form" onSubmit={onSubmit} noValidate>
      <label htmlFor={id} className="visually-hidden">
        New name for {character.name}
      </label>
      <input
        ref={input}
        id={id}
        type="text"
        required
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
        <Button type="submit" variant="primary" disabled={updateCharacter.isPending}>
          {updateCharacter.isPending ? 'Saving…' : 'Save'}
        </Button>
        <Button onClick={onDone} disabled={updateCharacter.isPending}>
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
