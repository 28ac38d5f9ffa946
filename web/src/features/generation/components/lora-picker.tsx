import { useId } from 'react';
import type { Lora } from '../../../../../lib/contracts/loras';
import type { CharacterLoras } from '../../../lib/queries/loras';
import { InfoHint } from '../../../components/ui/info-hint';
import { HINTS } from '../params/generation-params';

interface LoraPickerProps {
  groups: CharacterLoras[];
  loading: boolean;
  value: string | null;
  strength: number;
  onChange: (loraId: string | null) => void;
  onStrengthChange: (strength: number) => void;
}

export const findLora = (groups: CharacterLoras[], id: string | null): Lora | undefined =>
  id ? groups.flatMap((g) => g.loras).find((l) => l.id === id) : undefined;

/** Which trained model (LoRA) to use, grouped by character, and how strongly. */
export function LoraPicker({ groups, loading, value, strength, onChange, onStrengthChange }: LoraPickerProps) {
  const id = useId();
  const picked = findLora(groups, value);
  return (
    <div className="lora-picker">
      <div className="field">
        <label htmlFor={id} className="field-label">
          Trained model
        </label>
        <select id={id} value={picked?.id ?? ''} onChange={(e) => onChange(e.target.value || null)} aria-describedby={`${id}-hint`}>
          <option value="">None — the base model alone</option>
          {groups.map((g) => (
            <optgroup key={g.characterId} label={g.characterName}>
              {g.loras.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name} ({l.steps} steps)
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <p id={`${id}-hint`} className="field-hint">
          {loading
            ? 'Loading your trained models…'
            : groups.length === 0
              ? 'No trained models yet: train one on the Train page to make pictures of your character.'
              : picked
                ? `Pictures get the likeness of ${picked.name.replace(/ v\d+$/, '')}.`
                : 'Pick a character’s trained model to put that person in the picture.'}
        </p>
      </div>
      {picked && (
        <div className="field">
          <span className="param-label-row">
            <label htmlFor={`${id}-strength`} className="field-label">
              Strength
            </label>
            <InfoHint label="Strength">{HINTS.loraStrength}</InfoHint>
          </span>
          <div className="number-control">
            <input
              type="range"
              aria-label="Strength (slider)"
              tabIndex={-1}
              min={0}
              max={1.5}
              step={0.05}
              value={Number.isNaN(strength) ? 1 : Math.min(1.5, strength)}
              onChange={(e) => onStrengthChange(Number(e.target.value))}
            />
            <input
              id={`${id}-strength`}
              type="number"
              min={0}
              max={2}
              step={0.05}
              value={Number.isNaN(strength) ? '' : strength}
              aria-invalid={Number.isNaN(strength) || strength < 0 || strength > 2 ? true : undefined}
              onChange={(e) => onStrengthChange(e.target.value === '' ? Number.NaN : Number(e.target.value))}
            />
          </div>
        </div>
      )}
    </div>
  );
}
