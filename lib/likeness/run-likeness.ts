import type { CheckpointLikeness, PictureLikeness, RunLikeness } from '../contracts/likeness';

/** A sample of a run as its likeness is read: the step it was made at, and its score (null until scored). */
export interface SampleScore {
  step: number;
  likeness: PictureLikeness | null;
}

/** A checkpoint of a run that still exists (the engine's final file is `final`). */
export interface CheckpointAt {
  step: number;
  final: boolean;
}

export type Recommendation = NonNullable<RunLikeness['recommended']>;

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * The likeness curve of a run: per sample step, the mean similarity of its samples that show a face, how many are
 * recognisable and how many copy a training photo. Only scored samples count, so a step half-scored shows what is
 * known so far ("1 of 2"), never "1 of 5" with three still unjudged.
 */
export function likenessCurve(samples: readonly SampleScore[]): CheckpointLikeness[] {
  const byStep = new Map<number, PictureLikeness[]>();
  for (const sample of samples) {
    if (!sample.likeness) continue;
    const list = byStep.get(sample.step) ?? [];
    list.push(sample.likeness);
    byStep.set(sample.step, list);
  }
  return [...byStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, scores]) => {
      const similarities = scores.flatMap((s) => (s.status === 'scored' && s.similarity !== null ? [s.similarity] : []));
      return {
        step,
        mean: similarities.length > 0 ? round4(similarities.reduce((sum, s) => sum + s, 0) / similarities.length) : null,
        recognisable: scores.filter((s) => s.recognisable).length,
        samples: scores.length,
        copies: scores.filter((s) => s.copyOf !== null).length,
      };
    });
}

function listSteps(steps: number[]): string {
  if (steps.length === 1) return `step ${steps[0]}`;
  return `steps ${steps.slice(0, -1).join(', ')} and ${steps.at(-1)}`;
}

function numbers(point: CheckpointLikeness): string {
  const mean = point.mean === null ? 'no face to measure' : `mean likeness ${point.mean.toFixed(2)}`;
  return `${point.recognisable} of ${point.samples} pictures recognisable, ${mean}`;
}

/** Higher mean first, then a larger share recognisable, then the earlier step. */
function better(a: CheckpointLikeness, b: CheckpointLikeness): number {
  return (b.mean ?? -1) - (a.mean ?? -1) || b.recognisable / b.samples - a.recognisable / a.samples || a.step - b.step;
}

/**
 * The checkpoint a run recommends when it ends: among its checkpoints that still exist and have scored samples,
 * the one of highest mean likeness (ties: the larger share recognisable, then the earlier step) whose samples copy
 * no training photo; checkpoints whose samples copy one are overfitting and named in the reason. When likeness
 * cannot be measured (no reference photo, no face in any sample) the final checkpoint is recommended, and the reason
 * says why. Null when the run has no checkpoint at all.
 */
export function recommendCheckpoint(input: {
  curve: readonly CheckpointLikeness[];
  checkpoints: readonly CheckpointAt[];
  /** How many training photos show one clear face to compare samples with. */
  references: number;
}): Recommendation | null {
  const finalCheckpoint = input.checkpoints.find((c) => c.final) ?? [...input.checkpoints].sort((a, b) => a.step - b.step).at(-1);
  if (!finalCheckpoint) return null;
  const finalStep = finalCheckpoint.step;
  const atStep = new Map(input.curve.map((point) => [point.step, point]));
  const finalPoint = atStep.get(finalStep);
  const fallback = (why: string): Recommendation => ({
    step: finalStep,
    finalStep,
    recognisable: finalPoint?.recognisable ?? 0,
    samples: finalPoint?.samples ?? 0,
    mean: finalPoint?.mean ?? null,
    reason: `${why}: the final checkpoint (step ${finalStep}) is used.`,
  });
  if (input.references === 0) {
    return fallback('Likeness could not be measured: no training photo shows one clear face to compare the samples with');
  }
  const steps = [...new Set(input.checkpoints.map((c) => c.step))];
  const candidates = steps.flatMap((step) => {
    const point = atStep.get(step);
    return point && point.samples > 0 ? [point] : [];
  });
  if (candidates.length === 0) return fallback('Likeness could not be measured: no samples were made at the saved checkpoints');
  const measured = candidates.filter((c) => c.mean !== null);
  if (measured.length === 0) return fallback('Likeness could not be measured: no face in the samples');

  const copying = candidates.filter((c) => c.copies > 0).map((c) => c.step).sort((a, b) => a - b);
  const clean = measured.filter((c) => c.copies === 0).sort(better);
  const pick = (point: CheckpointLikeness, reason: string): Recommendation => ({
    step: point.step,
    finalStep,
    recognisable: point.recognisable,
    samples: point.samples,
    mean: point.mean,
    reason,
  });
  const best = clean[0];
  if (best) {
    const flagged = copying.length === 0 ? '' : `; ${listSteps(copying)} ${copying.length === 1 ? 'copies' : 'copy'} training photos`;
    const others = measured.length > 1 ? ` (the highest likeness of ${measured.length} checkpoints)` : '';
    return pick(best, `Step ${best.step}${others}: ${numbers(best)}${flagged}.`);
  }
  // Every measured checkpoint copies training photos: the one that copies least, then the most alike.
  const least = [...measured].sort((a, b) => a.copies / a.samples - b.copies / b.samples || better(a, b))[0]!;
  return pick(
    least,
    `Step ${least.step}: ${numbers(least)}. Every checkpoint copies training photos (overfitting); this one copies the fewest (${least.copies} of ${least.samples}).`,
  );
}
