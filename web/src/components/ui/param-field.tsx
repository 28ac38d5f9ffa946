import { useId, useState, type ReactNode } from 'react';
import { Badge } from './badge';
import { InfoHint } from './info-hint';

/** The value kinds a parameter can have. */
export type ParamValue = number | string | boolean | readonly (number | string)[] | null;

export type ParamControl =
  | {
      kind: 'number';
      min: number;
      max: number;
      step: number | 'any';
      integer?: boolean;
      /** The slider covers the common range; the number field accepts the full one. */
      slider?: { min: number; max: number; step: number };
      unit?: string;
    }
  | { kind: 'select'; options: readonly { value: string; label: string }[] }
  | { kind: 'boolean'; checkboxLabel: string }
  | { kind: 'multi'; options: readonly { value: number | string; label: string }[] }
  | { kind: 'lines'; maxLines: number; placeholder?: string };

/** One parameter of a form: the single source of its label, bounds and hint (web.md §5.6). */
export interface ParamDefinition {
  key: string;
  label: string;
  /** One or two sentences, with the trade-off. */
  hint: string;
  control: ParamControl;
  /** How the value reads in a badge: "1000 steps". */
  format: (value: ParamValue) => string;
}

interface ParamFieldProps {
  param: ParamDefinition;
  value: ParamValue;
  /** The value this one is compared with (the preset's, or the default). */
  baseline: ParamValue;
  /** Who the baseline belongs to, for the badge: "Quick". */
  baselineName: string;
  error?: string;
  disabled?: boolean;
  /** Why the field cannot be changed, said in text next to it. */
  disabledReason?: string;
  onChange: (value: ParamValue) => void;
}

export function sameValue(a: ParamValue, b: ParamValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);
  }
  return a === b;
}

/** A labelled parameter with its hint, a "changed" badge with a reset when it differs from the baseline, and errors. */
export function ParamField({ param, value, baseline, baselineName, error, disabled, disabledReason, onChange }: ParamFieldProps) {
  const id = useId();
  const changed = !sameValue(value, baseline);
  const errorId = `${id}-error`;
  const noteId = `${id}-note`;
  const describedBy = [error ? errorId : null, disabledReason ? noteId : null].filter(Boolean).join(' ') || undefined;
  const labelId = `${id}-label`;
  const grouped = param.control.kind === 'multi' || param.control.kind === 'boolean';
  return (
    <div
      className={error ? 'field param-field field--invalid' : 'field param-field'}
      {...(grouped ? { role: 'group', 'aria-labelledby': labelId, 'aria-describedby': describedBy } : {})}
    >
      {/* The label holds only the name: the hint, the badge and the reset sit beside it, not inside it. */}
      <span className="param-label-row">
        {grouped ? (
          <span id={labelId} className="field-label">
            {param.label}
          </span>
        ) : (
          <label id={labelId} htmlFor={id} className="field-label">
            {param.label}
          </label>
        )}
        <InfoHint label={param.label}>{param.hint}</InfoHint>
        {changed && (
          <>
            <Badge tone="info">
              Changed<span className="visually-hidden"> from {baselineName}</span>
            </Badge>
            <button type="button" className="link-button" onClick={() => onChange(baseline)}>
              Reset<span className="visually-hidden"> {param.label}</span> to {param.format(baseline)}
            </button>
          </>
        )}
      </span>
      <Control
        id={id}
        param={param}
        value={value}
        disabled={disabled}
        describedBy={grouped ? undefined : describedBy}
        invalid={Boolean(error)}
        onChange={onChange}
      />
      {disabledReason && (
        <p id={noteId} className="field-hint">
          {disabledReason}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

interface ControlProps {
  id: string;
  param: ParamDefinition;
  value: ParamValue;
  disabled?: boolean;
  describedBy?: string;
  invalid?: boolean;
  onChange: (value: ParamValue) => void;
}

function Control({ id, param, value, disabled, describedBy, invalid, onChange }: ControlProps): ReactNode {
  const control = param.control;
  const aria = { 'aria-describedby': describedBy, 'aria-invalid': invalid || undefined };
  switch (control.kind) {
    case 'number':
      return <NumberControl id={id} param={param} control={control} value={value as number | null} disabled={disabled} aria={aria} onChange={onChange} />;
    case 'select':
      return (
        <select id={id} value={String(value)} disabled={disabled} onChange={(e) => onChange(e.target.value)} {...aria}>
          {control.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case 'boolean':
      return (
        <label className="check-option">
          <input type="checkbox" id={id} checked={Boolean(value)} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
          {control.checkboxLabel}
        </label>
      );
    case 'multi': {
      const selected = (value as readonly (number | string)[]) ?? [];
      return (
        <div className="check-row">
          {control.options.map((o) => (
            <label key={String(o.value)} className="check-option">
              <input
                type="checkbox"
                checked={selected.includes(o.value)}
                disabled={disabled}
                onChange={(e) =>
                  onChange(
                    e.target.checked
                      ? control.options.map((x) => x.value).filter((v) => v === o.value || selected.includes(v))
                      : selected.filter((v) => v !== o.value),
                  )
                }
              />
              {o.label}
            </label>
          ))}
        </div>
      );
    }
    case 'lines':
      return <LinesControl id={id} value={(value as readonly string[]) ?? []} placeholder={control.placeholder} disabled={disabled} aria={aria} onChange={onChange} />;
  }
}

type Aria = { 'aria-describedby'?: string; 'aria-invalid'?: true };

/** A number field, with a slider for the common range when the table gives one. Keeps what is typed until it parses. */
function NumberControl({
  id,
  param,
  control,
  value,
  disabled,
  aria,
  onChange,
}: {
  id: string;
  param: ParamDefinition;
  control: Extract<ParamControl, { kind: 'number' }>;
  value: number | null;
  disabled?: boolean;
  aria: Aria;
  onChange: (value: ParamValue) => void;
}) {
  const [draft, setDraft] = useState(value === null ? '' : String(value));
  const [shown, setShown] = useState(value);
  // The value was changed from outside (a reset): show it.
  if (!Object.is(shown, value)) {
    setShown(value);
    if (value === null || Number.isNaN(value)) {
      if (value === null) setDraft('');
    } else if (Number(draft) !== value || draft.trim() === '') setDraft(String(value));
  }

  function typed(text: string) {
    setDraft(text);
    const n = Number(text);
    if (text.trim() !== '' && Number.isFinite(n)) {
      setShown(n);
      onChange(n);
    } else {
      setShown(Number.NaN);
      onChange(Number.NaN);
    }
  }

  return (
    <div className="number-control">
      {control.slider && (
        <input
          type="range"
          aria-label={`${param.label} (slider)`}
          min={control.slider.min}
          max={control.slider.max}
          step={control.slider.step}
          value={value !== null && Number.isFinite(value) ? Math.min(control.slider.max, Math.max(control.slider.min, value)) : control.slider.min}
          disabled={disabled}
          onChange={(e) => typed(e.target.value)}
          tabIndex={-1}
        />
      )}
      <input
        id={id}
        type="number"
        inputMode={control.integer ? 'numeric' : 'decimal'}
        min={control.min}
        max={control.max}
        step={control.step}
        value={draft}
        disabled={disabled}
        onChange={(e) => typed(e.target.value)}
        {...aria}
      />
      {control.unit && <span className="muted">{control.unit}</span>}
    </div>
  );
}

function LinesControl({
  id,
  value,
  placeholder,
  disabled,
  aria,
  onChange,
}: {
  id: string;
  value: readonly string[];
  placeholder?: string;
  disabled?: boolean;
  aria: Aria;
  onChange: (value: ParamValue) => void;
}) {
  const [draft, setDraft] = useState(value.join('\n'));
  const [shown, setShown] = useState(value);
  if (!sameValue(shown, value)) {
    setShown(value);
    if (!sameValue(linesOf(draft), value)) setDraft(value.join('\n'));
  }
  return (
    <textarea
      id={id}
      rows={Math.max(3, value.length + 1)}
      value={draft}
      placeholder={placeholder}
      disabled={disabled}
      onChange={(e) => {
        setDraft(e.target.value);
        const lines = linesOf(e.target.value);
        setShown(lines);
        onChange(lines);
      }}
      {...aria}
    />
  );
}

const linesOf = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
