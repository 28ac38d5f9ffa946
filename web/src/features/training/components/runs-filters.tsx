import { useId } from 'react';
import { PRESET_IDS, PRESETS, TRAINING_STATUSES } from '../../../../../lib/contracts/training';
import { CharacterFilter } from '../../../components/ui/character-filter';
import type { RunFilters } from '../api/get-runs';
import { RUN_STATUS_BADGE } from './runs-status-badge';

/** Narrow the list of runs to a status, a character, a preset. */
export function RunsFilterBar({ filters, onChange }: { filters: RunFilters; onChange: (filters: RunFilters) => void }) {
  const id = useId();
  return (
    <div className="filter-bar" role="group" aria-label="Filter the runs">
      <div className="field">
        <label htmlFor={`${id}-status`} className="field-label">
          Status
        </label>
        <select
          id={`${id}-status`}
          value={filters.status ?? ''}
          onChange={(e) => onChange({ ...filters, status: TRAINING_STATUSES.find((s) => s === e.target.value) })}
        >
          <option value="">Any status</option>
          {TRAINING_STATUSES.map((status) => (
            <option key={status} value={status}>
              {RUN_STATUS_BADGE[status].text}
            </option>
          ))}
        </select>
      </div>
      <CharacterFilter value={filters.characterId} onChange={(characterId) => onChange({ ...filters, characterId })} />
      <div className="field">
        <label htmlFor={`${id}-preset`} className="field-label">
          Preset
        </label>
        <select id={`${id}-preset`} value={filters.preset ?? ''} onChange={(e) => onChange({ ...filters, preset: PRESET_IDS.find((p) => p === e.target.value) })}>
          <option value="">Any preset</option>
          {PRESET_IDS.map((preset) => (
            <option key={preset} value={preset}>
              {PRESETS[preset].label}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
