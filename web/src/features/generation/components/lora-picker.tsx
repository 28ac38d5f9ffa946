import { useId } from 'react';
import type { Lora } from '../../../../../lib/contracts/loras';
import type { CharacterLoras } from '../../../lib/queries/loras';
import { InfoHint } from '../../../components/ui/info-hint';
import { HINTS } from '../params/generation-params';

interface LoraPickerProps {
  groups: CharacterLoras[];
  loading: boolean;
  value: string | null;
  /** A training run's checkpoint chosen instead of a LoRA ("Run 1a2b3c4d · step 150"), shown as the choice. */
  checkpoint?: string | null;
  strength: number;
  /** A LoRA, or none; never the checkpoint (it can only be chosen again from its picture). */
  onChange: (loraId: string | null) => void;
  onStrengthChange: (strength: number) => void;
}

export const findLora = (groups: CharacterLoras[], id: string | null): Lora | undefined =>
  id ? groups.flatMap((g) => g.loras).find((l) => l.id === id) : undefined;

const CHECKPOINT = 'checkpoint';

/** Which trained model (LoRA, or a run's checkpoint taken from a picture) to use, grouped by character, and how strongly. */
export function LoraPicker({ groups, loading, value, checkpoint, strength, onChange, onStrengthChange }: LoraPickerProps) {
  const id = useId();
  const picked = checkpoint ? undefined : findLora(groups, value);
  return (
    <div className="lora-picker">
      <div className="field">
        <label htmlFor={id} className="field-label">
          Trained model
        </label>
        <select
          id={id}
          value={checkpoint ? CHECKPOINT : (picked?.id ?? '')}
          onChange={(e) => e.target.value !== CHECKPOINT && onChange(e.target.value || null)}
          aria-describedby={`${id}-hint`}
        >
          <option value="">None — the base model alone</option>
          {checkpoint && (
            <optgroup label="Training checkpoint">
              <option value={CHECKPOINT}>{checkpoint}</option>
            </optgroup>
          )}
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
          {checkpoint
            ? 'The picture’s own checkpoint of its training run, used as it is (it is not a saved version).'
            : loading
              ? 'Loading your trained models…'
              : groups.length === 0
                ? 'No trained models yet: train one on the Train page to make pictures of your character.'
                : picked
                  ? `Pictures get the likeness of ${picked.name.replace(/ v\d+$/, '')}.`
                  : 'Pick a character’s trained model to put that person in the picture.'}
        </p>
      </div>
      {(picked || checkpoint) && (
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
