import { useId } from 'react';
import { useCharacters } from '../../lib/queries/characters';

/** A filter bar's "Character" choice: every character, or "All characters" (undefined). */
export function CharacterFilter({ value, onChange }: { value: string | undefined; onChange: (characterId: string | undefined) => void }) {
  const id = useId();
  const characters = useCharacters();
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        Character
      </label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">All characters</option>
        {(characters.data?.items ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  );
}
