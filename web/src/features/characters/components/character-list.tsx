import { useEffect, useRef, useState } from 'react';
import type { Character } from '../../../../../lib/contracts/characters';
import { Button } from '../../../components/ui/button';
import { useDeleteCharacter } from '../api/delete-character';
import { useCharacters } from '../../../lib/queries/characters';
import { CharacterRow } from './character-row';
import { DeleteCharacterDialog } from './delete-character-dialog';

export function CharacterList() {
  const characters = useCharacters();
  const deleteCharacter = useDeleteCharacter();
  const [toDelete, setToDelete] = useState<Character | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const focusHeading = useRef(false);

  // The deleted row (and its Delete button) is gone: once the dialog has closed, continue from the list heading.
  useEffect(() => {
    if (!toDelete && focusHeading.current) {
      focusHeading.current = false;
      heading.current?.focus();
    }
  }, [toDelete]);

  function closeDialog() {
    if (deleteCharacter.isPending) return;
    deleteCharacter.reset();
    setToDelete(null);
  }

  function confirmDelete(character: Character) {
    deleteCharacter.mutate(character.id, {
      onSuccess: () => {
        focusHeading.current = true;
        deleteCharacter.reset();
        setToDelete(null);
        setAnnouncement(`Deleted ${character.name}.`);
      },
    });
  }

  return (
    <section className="card" aria-labelledby="character-list-title">
      <h2 id="character-list-title" className="card-title" ref={heading} tabIndex={-1}>
        Your characters
      </h2>
      {characters.isPending && <p className="muted">Loading characters…</p>}
      {characters.isError && (
        <div role="alert" className="inline-error">
          <p>Your characters could not be loaded. {characters.error.message}</p>
          <Button onClick={() => void characters.refetch()}>Try again</Button>
        </div>
      )}
      {characters.isSuccess && characters.data.items.length === 0 && (
        <div className="empty-state">
          <p className="empty-state-title">No characters yet</p>
          <p>
            A character is the person you want to create images of. Create your first one with the{' '}
            <a href="#create-character-title">New character</a> form: a name is all it needs. Photos and training come
            next.
          </p>
        </div>
      )}
      {characters.isSuccess && characters.data.items.length > 0 && (
        <ul className="character-list" aria-labelledby="character-list-title">
          {characters.data.items.map((character) => (
            <CharacterRow key={character.id} character={character} onDeleteRequested={setToDelete} />
          ))}
        </ul>
      )}
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      {toDelete && (
        <DeleteCharacterDialog
          character={toDelete}
          pending={deleteCharacter.isPending}
          error={deleteCharacter.error?.message}
          onConfirm={() => confirmDelete(toDelete)}
          onClose={closeDialog}
        />
      )}
    </section>
  );
}
