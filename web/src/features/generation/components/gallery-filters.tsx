import { useId } from 'react';
import { useCharacters } from '../../../lib/queries/characters';
import { useAllLoras } from '../../../lib/queries/loras';
import type { GalleryFilters } from '../api/generation-keys';

/** Narrow the gallery to one character, to one of its trained models, to recognisable pictures; order it. */
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
          onChange={(e) => onChange({ ...filters, characterId: e.target.value || undefined, loraId: undefined })}
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
            onChange({ ...filters, characterId: loraId ? group?.characterId : filters.characterId, loraId });
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
      <div className="field">
        <label htmlFor={`${id}-sort`} className="field-label">
          Order
        </label>
        <select
          id={`${id}-sort`}
          value={filters.sort ?? 'newest'}
          onChange={(e) => onChange({ ...filters, sort: e.target.value === 'likeness' ? 'likeness' : undefined })}
        >
          <option value="newest">Newest first</option>
          <option value="likeness">Most like the person first</option>
        </select>
      </div>
      <div className="field filter-bar-check">
        <label className="check-option">
          <input
            type="checkbox"
            checked={filters.recognisable ?? false}
            onChange={(e) => onChange({ ...filters, recognisable: e.target.checked || undefined })}
          />
          Recognisable only
        </label>
      </div>
    </div>
  );
}
