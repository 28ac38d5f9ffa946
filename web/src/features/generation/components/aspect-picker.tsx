import { ASPECT_IDS, ASPECTS, type AspectId } from '../../../../../lib/contracts/generations';

/** The aspect presets as a row of radio buttons, each with a small shape of its proportions. */
export function AspectPicker({ value, disabled, disabledReason, onChange }: { value: AspectId; disabled?: boolean; disabledReason?: string; onChange: (aspect: AspectId) => void }) {
  return (
    <fieldset className="aspect-fieldset" disabled={disabled} aria-describedby={disabledReason ? 'aspect-note' : undefined}>
      <legend className="field-label">Shape</legend>
      <div className="aspect-options">
        {ASPECT_IDS.map((id) => {
          const a = ASPECTS[id];
          const scale = 28 / Math.max(a.width, a.height);
          return (
            <label key={id} className={value === id && !disabled ? 'aspect-option aspect-option--selected' : 'aspect-option'}>
              <input type="radio" name="aspect" value={id} checked={value === id} onChange={() => onChange(id)} />
              <span className="aspect-shape" aria-hidden="true" style={{ width: a.width * scale, height: a.height * scale }} />
              <span className="aspect-label">{a.label}</span>
              <span className="aspect-size muted">
                {a.width}×{a.height}
              </span>
            </label>
          );
        })}
      </div>
      {disabledReason && (
        <p id="aspect-note" className="field-hint">
          {disabledReason}
        </p>
      )}
    </fieldset>
  );
}
