import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import { resolveSettings, type TrainingSettings } from '../../lib/contracts/training';
import type { GpuWorkerReport } from '../../lib/contracts/gpu-workers';
import { speedKey } from '../../plugins/training/ai-toolkit/estimate';
import type { DatabaseHandle } from '../client';
import { trainingRuns } from '../schema';
import { createCharacter } from './characters';
import { saveGpuWorkerReport } from './gpu-workers';
import { currentGpuName, measuredSecondsPerStep } from './training-speed';
import { createTrainingRun, finishTrainingRun, updateTrainingRun } from './trainings';

function report(device: string | null): GpuWorkerReport {
  return {
    identity: 'test',
    hostname: 'host',
    queue: 'isengard-gpu.test',
    capacity: 1,
    engines: [],
    jobs: [],
    startedAt: new Date().toISOString(),
    gpu: { state: 'usable', device, totalMb: 81_559, freeMb: 80_000, probes: [], reason: null, cpuAllowed: false, checkedAt: new Date().toISOString() },
    stopping: false,
  };
}

describe.each(testDatabaseKinds())('measured training speed on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  /** A run on `workerId` that ends `status` with the engine's last rate `itPerSec`. */
  async function endedRun(characterId: string, workerId: string, settings: TrainingSettings, itPerSec: number | null, status: 'completed' | 'failed' = 'completed') {
    const run = await createTrainingRun(handle.db, { id: crypto.randomUUID(), characterId, preset: 'quick', advanced: {}, settings });
    await updateTrainingRun(handle.db, run.id, { status: 'running', gpuWorker: workerId, itPerSec });
    await finishTrainingRun(handle.db, run.id, { status, message: status });
    const [row] = await handle.db.select().from(trainingRuns).where(eq(trainingRuns.id, run.id));
    return row!;
  }

  it('records a completed run’s speed and GPU as it ends, and gives the median of the latest comparable runs', async () => {
    const { db } = handle;
    const workerId = `w-${crypto.randomUUID().slice(0, 8)}`;
    const device = `NVIDIA H100 80GB HBM3 ${workerId}`;
    await saveGpuWorkerReport(db, workerId, report(device));
    const character = await createCharacter(db, { name: `Speed ${workerId}`, triggerWord: 'spd_x1' });
    const small = resolveSettings('quick', {});
    const large = resolveSettings('quick', { resolutions: [1024] });

    const first = await endedRun(character.id, workerId, small, 2);
    expect(first).toMatchObject({ secondsPerStep: 0.5, gpuDevice: device, itPerSec: null });
    // A failed run, or one without a rate, measures nothing.
    expect(await endedRun(character.id, workerId, small, 4, 'failed')).toMatchObject({ secondsPerStep: null, gpuDevice: null });
    expect(await endedRun(character.id, workerId, small, null)).toMatchObject({ secondsPerStep: null });
    await endedRun(character.id, workerId, small, 1); // 1 s/step
    await endedRun(character.id, workerId, small, 1 / 0.8); // 0.8 s/step
    await endedRun(character.id, workerId, large, 0.25); // 4 s/step at another resolution

    const keyOf = (s: TrainingSettings) => speedKey(s);
    expect(await measuredSecondsPerStep(db, device, speedKey(small), keyOf)).toEqual({ secondsPerStep: expect.closeTo(0.8, 5), runs: 3 });
    expect(await measuredSecondsPerStep(db, device, speedKey(large), keyOf)).toEqual({ secondsPerStep: 4, runs: 1 });
    expect(await measuredSecondsPerStep(db, 'NVIDIA GeForce RTX 4090', speedKey(small), keyOf)).toBeNull();
    expect(await currentGpuName(db, 60)).toBe(device);
  });
});
