import type { Database } from '../../db/client';
import { currentGpuName, measuredSecondsPerStep } from '../../db/repositories/training-speed';
import type { TrainingSettings } from '../../lib/contracts/training';
import type { TrainingEstimate } from '../../lib/contracts/training-estimate';
import type { TrainingEngine } from '../../plugins/training/interface';

/**
 * How long a run of these settings would take on this instance's GPU: the engine's estimate from the measured speed
 * of the latest runs like it on the same GPU model here, else from the published speed of that model.
 */
export async function estimateTraining(
  db: Database,
  engine: TrainingEngine,
  settings: TrainingSettings,
  gpuSeenWithinSeconds: number,
): Promise<TrainingEstimate> {
  const gpuName = await currentGpuName(db, gpuSeenWithinSeconds);
  const measured = gpuName === null ? null : await measuredSecondsPerStep(db, gpuName, engine.speedKey(settings), (s) => engine.speedKey(s));
  const estimate = engine.estimateDuration(settings, { gpuName, measuredSecondsPerStep: measured?.secondsPerStep ?? null });
  return { ...estimate, gpuName, measuredRuns: estimate.basis === 'measured' ? (measured?.runs ?? 0) : 0 };
}
