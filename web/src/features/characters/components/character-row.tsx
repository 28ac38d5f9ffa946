import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { updateCharacterInput, type Character } from '../../../../../lib/contracts/characters';
import { paths } from '../../../config/paths';
import { Button } from '../../../components/ui/button';
import { InlineRenameForm } from '../../../components/ui/inline-rename-form';
import { contractErrors, toFormErrors } from '../../../lib/field-errors';
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
  const updateCharacter = useUpdateCharacter();
  return (
    <InlineRenameForm
      name={character.name}
      check={(name) => {
        // An emptied name is refused at once, without a request.
        const refused = contractErrors(updateCharacterInput, { name }, ['name'] as const);
        return refused ? (refused.fields.name ?? refused.form) : undefined;
      }}
      save={(name, { saved, failed }) =>
        updateCharacter.mutate(
          { id: character.id, patch: { name } },
          {
            onSuccess: saved,
            onError: (err) => {
              const errors = toFormErrors(err, ['name'] as const, 'name');
              failed(errors.fields.name ?? errors.form ?? 'The name was not saved.');
            },
          },
        )
      }
      saving={updateCharacter.isPending}
      onDone={onDone}
    />
  );
}
