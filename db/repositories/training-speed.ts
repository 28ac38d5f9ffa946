import { and, desc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { TrainingSettings } from '../../lib/contracts/training';
import type { Database } from '../client';
import { gpuWorkers, trainingRuns } from '../schema';
import { listGpuWorkers } from './gpu-workers';

/** The median of this many latest comparable runs is the measured speed. */
const MEASURED_RUNS = 5;
/** Runs looked at to find them (older runs of other settings are passed over). */
const LOOKED_AT = 100;

/**
 * Notes, as a completed run ends, how fast it trained (the engine's last rate: ai-toolkit's progress bar leaves
 * sampling and saving out) and on which GPU, as the run's GPU worker last reported it. Runs like it are estimated
 * from these.
 */
export async function recordTrainingSpeed(db: Database, runId: string): Promise<void> {
  const device = db
    .select({ device: sql`${gpuWorkers.gpu}->>'device'` })
    .from(gpuWorkers)
    .where(eq(gpuWorkers.workerId, trainingRuns.gpuWorker));
  await db
    .update(trainingRuns)
    .set({ secondsPerStep: sql`1.0 / ${trainingRuns.itPerSec}`, gpuDevice: sql`(${device})` })
    .where(and(eq(trainingRuns.id, runId), gt(trainingRuns.itPerSec, 0)));
}

/** The GPU of this instance: the one the most recently reporting GPU worker names (null: none reports one). */
export async function currentGpuName(db: Database, withinSeconds: number): Promise<string | null> {
  const workers = await listGpuWorkers(db, withinSeconds);
  return workers.find((w) => w.gpu?.device)?.gpu?.device ?? null;
}

/**
 * The median seconds per step of the latest completed runs on this GPU model whose settings have `key` (the
 * engine's speed key: `keyOf` computes it from a run's settings, a run retried with less VRAM counting as low-VRAM).
 */
export async function measuredSecondsPerStep(
  db: Database,
  gpuName: string,
  key: string,
  keyOf: (settings: TrainingSettings) => string,
): Promise<{ secondsPerStep: number; runs: number } | null> {
  const rows = await db
    .select({ settings: trainingRuns.settings, vramProfile: trainingRuns.vramProfile, secondsPerStep: trainingRuns.secondsPerStep })
    .from(trainingRuns)
    .where(
      and(
        eq(trainingRuns.gpuDevice, gpuName),
        eq(trainingRuns.status, 'completed'),
        isNotNull(trainingRuns.secondsPerStep),
        isNull(trainingRuns.deletedAt),
      ),
    )
    .orderBy(desc(trainingRuns.finishedAt))
    .limit(LOOKED_AT);
  const speeds = rows
    .filter((row) => {
      const settings = row.settings as TrainingSettings;
      return keyOf({ ...settings, lowVram: settings.lowVram || row.vramProfile === 'low' }) === key;
    })
    .slice(0, MEASURED_RUNS)
    .map((row) => row.secondsPerStep!)
    .sort((a, b) => a - b);
  if (speeds.length === 0) return null;
  const middle = Math.floor(speeds.length / 2);
  const median = speeds.length % 2 === 1 ? speeds[middle]! : (speeds[middle - 1]! + speeds[middle]!) / 2;
  return { secondsPerStep: median, runs: speeds.length };
}
