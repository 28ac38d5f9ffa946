import { useId } from 'react';
import { CharacterFilter } from '../../../components/ui/character-filter';
import { useAllLoras } from '../../../lib/queries/loras';
import type { GalleryFilters } from '../api/generation-keys';

/** Narrow the gallery to one character, to one of its trained models, to recognisable or favourite pictures, to days; order it. */
export function GalleryFilterBar({ filters, onChange }: { filters: GalleryFilters; onChange: (filters: GalleryFilters) => void }) {
  const id = useId();
  const loras = useAllLoras();
  const loraOptions = loras.groups.filter((g) => !filters.characterId || g.characterId === filters.characterId);
  return (
    <div className="filter-bar" role="group" aria-label="Filter the gallery">
      <CharacterFilter value={filters.characterId} onChange={(characterId) => onChange({ ...filters, characterId, loraId: undefined })} />
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
      <div className="field filter-bar-check">
        <label className="check-option">
          <input
            type="checkbox"
            checked={filters.favourite ?? false}
            onChange={(e) => onChange({ ...filters, favourite: e.target.checked || undefined })}
          />
          Favourites only
        </label>
      </div>
      <div className="field">
        <label htmlFor={`${id}-from`} className="field-label">
          Made from
        </label>
        <input
          id={`${id}-from`}
          type="date"
          value={filters.from ?? ''}
          max={filters.to}
          onChange={(e) => onChange({ ...filters, from: e.target.value || undefined })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`} className="field-label">
          Made until
        </label>
        <input
          id={`${id}-to`}
          type="date"
          value={filters.to ?? ''}
          min={filters.from}
          onChange={(e) => onChange({ ...filters, to: e.target.value || undefined })}
        />
      </div>
    </div>
  );
}
