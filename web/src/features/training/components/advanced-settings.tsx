import type { PresetId } from '../../../../../lib/contracts/training';
import { PRESETS } from '../../../../../lib/contracts/training';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Disclosure } from '../../../components/ui/disclosure';
import { ParamField, type ParamValue } from '../../../components/ui/param-field';
import { InfoHint } from '../../../components/ui/info-hint';
import { formOf, isParamInUse, TRAINING_PARAMS, type TrainingForm, type TrainingKey } from '../params/training-params';

interface AdvancedSettingsProps {
  preset: PresetId;
  /** The values that differ from the preset. */
  overrides: Partial<TrainingForm>;
  errors: Partial<Record<TrainingKey, string>>;
  onChange: (overrides: Partial<TrainingForm>) => void;
}

/** Every training setting, starting from the preset's; a badge and a reset on each one that differs. */
export function AdvancedSettings({ preset, overrides, errors, onChange }: AdvancedSettingsProps) {
  const baseline = formOf(PRESETS[preset].settings);
  const presetName = PRESETS[preset].label;
  const current = { ...baseline, ...overrides };
  const changed = TRAINING_PARAMS.filter((p) => p.key in overrides && isParamInUse(p.key, current));

  function set(key: TrainingKey, value: ParamValue) {
    const next = { ...overrides };
    if (JSON.stringify(value) === JSON.stringify(baseline[key])) delete next[key];
    else next[key] = value;
    onChange(next);
  }

  return (
    <Disclosure
      storageKey="training-advanced"
      title="Advanced settings"
      summary={
        changed.length > 0 ? (
          <div className="disclosure-summary">
            <span className="muted">Changed from {presetName}:</span>
            <ul className="badge-list" aria-label={`Settings changed from ${presetName}`}>
              {changed.map((p) => (
                <li key={p.key}>
                  <Badge tone={errors[p.key] ? 'danger' : 'info'}>{p.format(overrides[p.key] ?? null)}</Badge>
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="muted disclosure-note">Using the {presetName} preset as it is. Open to change any setting.</p>
        )
      }
    >
      <p className="muted">
        Each setting starts at the {presetName} preset’s value. The “?” next to a setting explains it. Changes are marked, and
        each can be reset.
      </p>
      <div className="param-grid">
        {TRAINING_PARAMS.map((param) =>
          isParamInUse(param.key, current) ? (
            <ParamField
              key={param.key}
              param={param}
              value={overrides[param.key] ?? baseline[param.key]}
              baseline={baseline[param.key]}
              baselineName={presetName}
              error={errors[param.key]}
              onChange={(value) => set(param.key, value)}
            />
          ) : (
            // Only the learning rate is ever out of use (with Prodigy): say why instead of offering an ignored knob.
            <div key={param.key} className="field param-field" role="group" aria-label={param.label}>
              <span className="param-label-row">
                <span className="field-label">{param.label}</span>
                <InfoHint label={param.label}>{param.hint}</InfoHint>
              </span>
              <p className="muted">
                Set by the optimizer: Prodigy finds its own learning rate, so there is none to choose. Pick another optimizer to set it.
              </p>
            </div>
          ),
        )}
      </div>
      <div className="actions">
        <Button onClick={() => onChange({})} disabled={changed.length === 0}>
          Reset all to {presetName}
        </Button>
      </div>
    </Disclosure>
  );
}
