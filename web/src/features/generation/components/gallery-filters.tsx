import { useId } from 'react';
import { useCharacters } from '../../../lib/queries/characters';
import { useAllLoras } from '../../../lib/queries/loras';
import type { GalleryFilters } from '../api/generation-keys';

/** Narrow the gallery to one character, and to one of its trained models. */
export function GalleryFilterBar({ filters, onChange }: { filters: GalleryFilters; onChange: (filters: GalleryFilters) => void }) {
  const id = useId();
  const characters = useCharacters();
  const loras = useAllLoras();
  const loraOptions = loras.groups.filter((g) => !filters.characterId || g.characterId === filters.characterId);
  return (
    <div className="filter-bar" role="group" aria-label="Filter the gallery">
      <div className="field">
        <label htmlFor={`${id}-character`} className="field-label">
          Character
        </label>
        <select
          id={`${id}-character`}
          value={filters.characterId ?? ''}
          onChange={(e) => onChange({ characterId: e.target.value || undefined })}
        >
          <option value="">All characters</option>
          {(characters.data?.items ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-lora`} className="field-label">
          Trained model
        </label>
        <select
          id={`${id}-lora`}
          value={filters.loraId ?? ''}
          onChange={(e) => {
            const loraId = e.target.value || undefined;
            const group = loras.groups.find((g) => g.loras.some((l) => l.id === loraId));
            onChange({ characterId: loraId ? group?.characterId : filters.characterId, loraId });
          }}
        >
          <option value="">All models</option>
          {loraOptions.map((g) => (
            <optgroup key={g.characterId} label={g.characterName}>
              {g.loras.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </div>
    </div>
  );
}
