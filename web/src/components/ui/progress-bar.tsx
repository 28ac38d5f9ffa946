interface ProgressBarProps {
  label: string;
  max: number;
  /** Leave undefined while the amount of work done is unknown: the bar is then indeterminate. */
  value?: number;
  /** How a person would say the progress, e.g. "Step 2 of 3". */
  valueText: string;
}

export function ProgressBar({ label, max, value, valueText }: ProgressBarProps) {
  const indeterminate = value === undefined;
  const percent = indeterminate || max <= 0 ? 0 : Math.min(100, Math.max(0, (value / max) * 100));
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={indeterminate ? undefined : value}
      aria-valuetext={valueText}
      className={indeterminate ? 'progress progress--indeterminate' : 'progress'}
    >
      <div className="progress-fill" style={indeterminate ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
