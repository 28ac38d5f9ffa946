import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { paths } from '../../../config/paths';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { createCharacterInput } from '../../../../../lib/contracts/characters';
import { contractErrors, toFormErrors, type FormErrors } from '../../../lib/field-errors';
import { useCreateCharacter } from '../api/create-character';
import { CHARACTER_FIELDS, derivedTriggerWord, type CharacterField } from '../utils/character-fields';

const noErrors: FormErrors<CharacterField> = { fields: {} };

export function CreateCharacterForm() {
  const [name, setName] = useState('');
  const [triggerWord, setTriggerWord] = useState('');
  const [notes, setNotes] = useState('');
  const [errors, setErrors] = useState(noErrors);
  const [created, setCreated] = useState<{ id: string; name: string } | null>(null);
  const createCharacter = useCreateCharacter();
  const inputs = {
    name: useRef<HTMLInputElement>(null),
    triggerWord: useRef<HTMLInputElement>(null),
    notes: useRef<HTMLTextAreaElement>(null),
  };
  const derived = derivedTriggerWord(name);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setErrors(noErrors);
    setCreated(null);
    const body = {
      name,
      ...(triggerWord.trim() ? { triggerWord: triggerWord.trim() } : {}),
      ...(notes.trim() ? { notes } : {}),
    };
    // What the API would refuse (an empty name) is shown at once, without a request.
    const refused = contractErrors(createCharacterInput, body, CHARACTER_FIELDS);
    if (refused) {
      setErrors(refused);
      const first = CHARACTER_FIELDS.find((f) => refused.fields[f]);
      if (first) inputs[first].current?.focus();
      return;
    }
    createCharacter.mutate(body, {
      onSuccess: (character) => {
        setName('');
        setTriggerWord('');
        setNotes('');
        setCreated({ id: character.id, name: character.name });
        inputs.name.current?.focus();
      },
      onError: (error) => {
        const formErrors = toFormErrors(error, CHARACTER_FIELDS, 'name');
        setErrors(formErrors);
        const first = CHARACTER_FIELDS.find((f) => formErrors.fields[f]);
        if (first) inputs[first].current?.focus();
      },
    });
  }

  return (
    <section className="card" aria-labelledby="create-character-title">
      <h2 id="create-character-title" className="card-title">
        New character
      </h2>
      <form onSubmit={onSubmit} noValidate className="form">
        <Field label="Name" error={errors.fields.name} hint="The person's name, as you want to see it in Isengard.">
          {(control) => (
            <input
              {...control}
              ref={inputs.name}
              name="name"
              type="text"
              required
              autoComplete="off"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Trigger word"
          optional
          error={errors.fields.triggerWord}
          hint={
            derived ? (
              <>
                The word you will write in prompts to mean this person. Leave it empty to use{' '}
                <code>{derived}</code>, derived from the name.
              </>
            ) : (
              'The word you will write in prompts to mean this person. Leave it empty to derive one from the name.'
            )
          }
        >
          {(control) => (
            <input
              {...control}
              ref={inputs.triggerWord}
              name="triggerWord"
              type="text"
              autoComplete="off"
              spellCheck={false}
              autoCapitalize="off"
              placeholder={derived ?? 'derived from the name'}
              value={triggerWord}
              onChange={(e) => setTriggerWord(e.target.value)}
            />
          )}
        </Field>
        <Field label="Notes" optional error={errors.fields.notes}>
          {(control) => (
            <textarea
              {...control}
              ref={inputs.notes}
              name="notes"
              rows={3}
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
            />
          )}
        </Field>
        {errors.form && (
          <p role="alert" className="form-error">
            {errors.form}
          </p>
        )}
        <div className="actions">
          <Button type="submit" variant="primary" disabled={createCharacter.isPending}>
            {createCharacter.isPending ? 'Creating…' : 'Create character'}
          </Button>
        </div>
        <p role="status" className="form-status">
          {created && (
            <>
              Created {created.name}. <Link to={paths.character(created.id)}>Open {created.name}</Link>
            </>
          )}
        </p>
      </form>
    </section>
  );
}
