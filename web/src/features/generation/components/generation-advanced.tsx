import { useId } from 'react';
import { BASE_MODEL_IDS, BASE_MODELS, MAX_SEED, SIZE_RANGE, type BaseModelId } from '../../../../../lib/contracts/generations';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Disclosure } from '../../../components/ui/disclosure';
import { InfoHint } from '../../../components/ui/info-hint';
import { ParamField } from '../../../components/ui/param-field';
import { ASPECTS, GENERATION_PARAMS, HINTS, modelDefault, type GenerateSettings } from '../params/generation-params';

interface GenerationAdvancedProps {
  settings: GenerateSettings;
  /** The model in use: the LoRA's when one is picked. */
  baseModel: BaseModelId;
  /** Set when a LoRA decides the base model. */
  loraName?: string;
  errors: Partial<Record<string, string>>;
  onChange: (patch: Partial<GenerateSettings>) => void;
}

/** Badges for the advanced values that differ from the model's defaults. */
function changedBadges(settings: GenerateSettings, baseModel: BaseModelId, lora: boolean): string[] {
  const badges: string[] = [];
  if (!lora && settings.baseModel !== 'flux1-dev') badges.push(BASE_MODELS[settings.baseModel].label);
  for (const p of GENERATION_PARAMS) {
    const value = settings[p.key];
    if (value !== null && value !== modelDefault(baseModel, p.key)) badges.push(p.format(value));
  }
  if (settings.seed !== null) badges.push(`seed ${settings.seed}`);
  if (settings.customSize) badges.push(`${settings.customSize.width}×${settings.customSize.height}`);
  if (settings.negativePrompt.trim() && BASE_MODELS[baseModel].usesNegative) badges.push('negative prompt');
  return badges;
}

export function GenerationAdvanced({ settings, baseModel, loraName, errors, onChange }: GenerationAdvancedProps) {
  const id = useId();
  const model = BASE_MODELS[baseModel];
  const badges = changedBadges(settings, baseModel, Boolean(loraName));
  const multiple = model.sizeMultiple;
  const size = settings.customSize ?? { width: ASPECTS[settings.aspect].width, height: ASPECTS[settings.aspect].height };

  return (
    <Disclosure
      storageKey="generation-advanced"
      title="Advanced settings"
      summary={
        badges.length > 0 ? (
          <div className="disclosure-summary">
            <span className="muted">Changed from the defaults:</span>
            <ul className="badge-list" aria-label="Advanced settings changed from the defaults">
              {badges.map((b) => (
                <li key={b}>
                  <Badge tone="info">{b}</Badge>
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="muted disclosure-note">Using {model.label}’s recommended settings and a random seed.</p>
        )
      }
    >
      <div className="param-grid">
        <div className="field">
          <span className="param-label-row">
            <label htmlFor={`${id}-model`} className="field-label">
              Base model
            </label>
            <InfoHint label="Base model">{HINTS.baseModel}</InfoHint>
          </span>
          <select
            id={`${id}-model`}
            value={baseModel}
            disabled={Boolean(loraName)}
            aria-describedby={loraName ? `${id}-model-note` : undefined}
            onChange={(e) => onChange({ baseModel: e.target.value as BaseModelId })}
          >
            {BASE_MODEL_IDS.map((m) => (
              <option key={m} value={m}>
                {BASE_MODELS[m].label}
              </option>
            ))}
          </select>
          {loraName && (
            <p id={`${id}-model-note`} className="field-hint">
              Set by {loraName}: a trained model works only with the base model it was trained for.
            </p>
          )}
        </div>

        {GENERATION_PARAMS.map((param) => (
          <ParamField
            key={param.key}
            param={param}
            value={settings[param.key] ?? modelDefault(baseModel, param.key)}
            baseline={modelDefault(baseModel, param.key)}
            baselineName={`${model.label}’s default`}
            error={errors[param.key]}
            onChange={(value) => onChange({ [param.key]: value === modelDefault(baseModel, param.key) ? null : value })}
          />
        ))}

        <div className="field" role="group" aria-labelledby={`${id}-seed-label`} aria-describedby={errors.seed ? `${id}-seed-error` : undefined}>
          <span className="param-label-row">
            <span id={`${id}-seed-label`} className="field-label">
              Seed
            </span>
            <InfoHint label="Seed">{HINTS.seed}</InfoHint>
            {settings.seed !== null && <Badge tone="info">Fixed</Badge>}
          </span>
          <label className="check-option">
            <input
              type="checkbox"
              checked={settings.seed !== null}
              onChange={(e) => onChange({ seed: e.target.checked ? Math.floor(Math.random() * 1_000_000) : null })}
            />
            Use a fixed seed
          </label>
          {settings.seed !== null && (
            <>
              <label htmlFor={`${id}-seed`} className="visually-hidden">
                Seed number
              </label>
              <input
                id={`${id}-seed`}
                type="number"
                min={0}
                max={MAX_SEED}
                step={1}
                value={Number.isNaN(settings.seed) ? '' : settings.seed}
                aria-invalid={errors.seed ? true : undefined}
                onChange={(e) => onChange({ seed: e.target.value === '' ? Number.NaN : Number(e.target.value) })}
              />
            </>
          )}
          {errors.seed && (
            <p id={`${id}-seed-error`} className="field-error">
              {errors.seed}
            </p>
          )}
        </div>

        <div className="field" role="group" aria-labelledby={`${id}-size-label`} aria-describedby={`${id}-size-rule`}>
          <span className="param-label-row">
            <span id={`${id}-size-label`} className="field-label">
              Custom size
            </span>
            <InfoHint label="Custom size">{HINTS.customSize}</InfoHint>
            {settings.customSize && <Badge tone="info">Custom</Badge>}
          </span>
          <label className="check-option">
            <input
              type="checkbox"
              checked={settings.customSize !== null}
              onChange={(e) => onChange({ customSize: e.target.checked ? { width: size.width, height: size.height } : null })}
            />
            Choose width and height instead of a shape
          </label>
          {settings.customSize && (
            <div className="size-row">
              <label className="field">
                <span className="field-label">Width</span>
                <input
                  type="number"
                  min={SIZE_RANGE.min}
                  max={SIZE_RANGE.max}
                  step={multiple}
                  value={Number.isNaN(settings.customSize.width) ? '' : settings.customSize.width}
                  aria-invalid={errors.width ? true : undefined}
                  aria-describedby={errors.width ? `${id}-width-error` : undefined}
                  onChange={(e) => onChange({ customSize: { ...settings.customSize!, width: e.target.value === '' ? Number.NaN : Number(e.target.value) } })}
                />
              </label>
              <span aria-hidden="true" className="size-times">
                ×
              </span>
              <label className="field">
                <span className="field-label">Height</span>
                <input
                  type="number"
                  min={SIZE_RANGE.min}
                  max={SIZE_RANGE.max}
                  step={multiple}
                  value={Number.isNaN(settings.customSize.height) ? '' : settings.customSize.height}
                  aria-invalid={errors.height ? true : undefined}
                  aria-describedby={errors.height ? `${id}-height-error` : undefined}
                  onChange={(e) => onChange({ customSize: { ...settings.customSize!, height: e.target.value === '' ? Number.NaN : Number(e.target.value) } })}
                />
              </label>
            </div>
          )}
          <p id={`${id}-size-rule`} className="field-hint">
            {model.label} needs each side to be a multiple of {multiple}, from {SIZE_RANGE.min} to {SIZE_RANGE.max} px.
          </p>
          {errors.width && (
            <p id={`${id}-width-error`} className="field-error">
              {errors.width}
            </p>
          )}
          {errors.height && (
            <p id={`${id}-height-error`} className="field-error">
              {errors.height}
            </p>
          )}
        </div>

        {model.usesNegative && (
          <div className="field">
            <span className="param-label-row">
              <label htmlFor={`${id}-negative`} className="field-label">
                Negative prompt
              </label>
              <InfoHint label="Negative prompt">{HINTS.negativePrompt}</InfoHint>
            </span>
            <textarea
              id={`${id}-negative`}
              rows={2}
              maxLength={2000}
              value={settings.negativePrompt}
              aria-invalid={errors.negativePrompt ? true : undefined}
              onChange={(e) => onChange({ negativePrompt: e.target.value })}
            />
          </div>
        )}
      </div>
      <div className="actions">
        <Button
          onClick={() =>
            onChange({ steps: null, guidance: null, sampler: null, scheduler: null, seed: null, customSize: null, negativePrompt: '', baseModel: 'flux1-dev' })
          }
          disabled={badges.length === 0}
        >
          Reset advanced to defaults
        </Button>
      </div>
    </Disclosure>
  );
}
