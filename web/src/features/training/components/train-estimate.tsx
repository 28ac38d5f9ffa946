import type { AdvancedSettings, PresetId } from '../../../../../lib/contracts/training';
import type { TrainingEstimate } from '../../../../../lib/contracts/training-estimate';
import { formatDuration } from '../../../lib/format';
import { useTrainingEstimate } from '../api/get-training-estimate';

/** "≈ 42 min on NVIDIA H100 80GB HBM3 (measured on this instance)", or why there is no estimate. */
export function estimateSentence(estimate: TrainingEstimate): string {
  if (estimate.gpuName === null) return 'No GPU worker is connected, so the duration cannot be estimated yet.';
  if (estimate.seconds === null) {
    return `No published speed for ${estimate.gpuName}: the duration is known after the first training on it.`;
  }
  const basis = estimate.basis === 'measured' ? 'measured on this instance' : 'published speed of this GPU model';
  return `≈ ${formatDuration(estimate.seconds)} on ${estimate.gpuName} (${basis})`;
}

/** What the estimate is made of, for those who wonder. */
function estimateBreakdown(estimate: TrainingEstimate, steps: number): string | null {
  if (estimate.seconds === null || estimate.secondsPerStep === null) return null;
  const parts = [`${steps} steps × ${estimate.secondsPerStep.toFixed(2)} s`];
  if (estimate.samplingSeconds) parts.push(`samples and checkpoints ${formatDuration(estimate.samplingSeconds)}`);
  if (estimate.startupSeconds) parts.push(`loading the model ${formatDuration(estimate.startupSeconds)}`);
  const measured = estimate.basis === 'measured' ? ` (the median speed of the last ${estimate.measuredRuns === 1 ? 'run' : `${estimate.measuredRuns} runs`} like it here)` : '';
  return `${parts.join(' + ')}${measured}`;
}

interface TrainEstimateProps {
  preset: PresetId;
  /** Valid advanced settings only: an invalid value is not asked about. */
  advanced: AdvancedSettings;
  steps: number;
}

/** How long the chosen preset (as adjusted) would take on this instance's GPU, next to the preset choice. */
export function TrainEstimate({ preset, advanced, steps }: TrainEstimateProps) {
  const estimate = useTrainingEstimate(preset, advanced);
  const breakdown = estimate.data ? estimateBreakdown(estimate.data, steps) : null;
  return (
    <p className="train-estimate muted" aria-live="polite" data-testid="train-estimate">
      {estimate.isPending && 'Estimating the duration…'}
      {estimate.isError && `The duration could not be estimated: ${estimate.error.message}`}
      {estimate.data && (
        <>
          <span className="train-estimate-sentence">{estimateSentence(estimate.data)}</span>
          {breakdown && <span className="train-estimate-breakdown">. {breakdown}.</span>}
        </>
      )}
    </p>
  );
}
