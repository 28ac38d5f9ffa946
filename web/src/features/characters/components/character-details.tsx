import { useRef, useState, type FormEvent } from 'react';
import { updateCharacterInput, type Character, type UpdateCharacterInput } from '../../../../../lib/contracts/characters';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { contractErrors, toFormErrors, type FormErrors } from '../../../lib/field-errors';
import { useUpdateCharacter } from '../api/update-character';
import { CHARACTER_FIELDS, type CharacterField } from '../utils/character-fields';

const noErrors: FormErrors<CharacterField> = { fields: {} };

/** The character's name, trigger word and notes, editable in place. */
export function CharacterDetails({ character }: { character: Character }) {
  const [values, setValues] = useState({
    name: character.name,
    triggerWord: character.triggerWord,
    notes: character.notes,
  });
  const [errors, setErrors] = useState(noErrors);
  const [status, setStatus] = useState('');
  const updateCharacter = useUpdateCharacter();
  const inputs = {
    name: useRef<HTMLInputElement>(null),
    triggerWord: useRef<HTMLInputElement>(null),
    notes: useRef<HTMLTextAreaElement>(null),
  };

  const patch: UpdateCharacterInput = {};
  if (values.name !== character.name) patch.name = values.name;
  if (values.triggerWord !== character.triggerWord) patch.triggerWord = values.triggerWord;
  if (values.notes !== character.notes) patch.notes = values.notes;
  const changed = Object.keys(patch).length > 0;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setErrors(noErrors);
    if (!changed) {
      setStatus('Nothing to save: no field has changed.');
      return;
    }
    setStatus('');
    // What the API would refuse (an emptied name) is shown at once, without a request.
    const refused = contractErrors(updateCharacterInput, patch, CHARACTER_FIELDS);
    if (refused) {
      setErrors(refused);
      const first = CHARACTER_FIELDS.find((f) => refused.fields[f]);
      if (first) inputs[first].current?.focus();
      return;
    }
    updateCharacter.mutate(
      { id: character.id, patch },
      {
        onSuccess: (saved) => {
          setValues({ name: saved.name, triggerWord: saved.triggerWord, notes: saved.notes });
          setStatus('Changes saved.');
        },
        onError: (error) => {
          const formErrors = toFormErrors(error, CHARACTER_FIELDS, 'name');
          setErrors(formErrors);
          const first = CHARACTER_FIELDS.find((f) => formErrors.fields[f]);
          if (first) inputs[first].current?.focus();
        },
      },
    );
  }

  const set = (field: CharacterField) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [field]: e.target.value }));
    setStatus('');
  };

  return (
    <section className="card" aria-labelledby="character-details-title">
      <h2 id="character-details-title" className="card-title">
        Details
      </h2>
      <form className="form" onSubmit={onSubmit} noValidate>
        <Field label="Name" error={errors.fields.name}>
          {(control) => (
            <input
              {...control}
              ref={inputs.name}
              type="text"
              required
              autoComplete="off"
              value={values.name}
              onChange={set('name')}
            />
          )}
        </Field>
        <Field
          label="Trigger word"
          error={errors.fields.triggerWord}
          hint="The word you write in prompts to mean this person. Settle on it before you train: a trained model only knows the word it was trained with."
        >
          {(control) => (
            <input
              {...control}
              ref={inputs.triggerWord}
              type="text"
              autoComplete="off"
              spellCheck={false}
              autoCapitalize="off"
              value={values.triggerWord}
              onChange={set('triggerWord')}
            />
          )}
        </Field>
        <Field label="Notes" optional error={errors.fields.notes}>
          {(control) => <textarea {...control} ref={inputs.notes} rows={4} value={values.notes} onChange={set('notes')} />}
        </Field>
        {errors.form && (
          <p role="alert" className="form-error">
            {errors.form}
          </p>
        )}
        <div className="actions">
          <Button type="submit" variant="primary" disabled={updateCharacter.isPending}>
            {updateCharacter.isPending ? 'Saving…' : 'Save changes'}
          </Button>
        </div>
        <p role="status" className="form-status">
          {status}
        </p>
      </form>
    </section>
  );
}
