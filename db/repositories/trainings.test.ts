import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import type { DatabaseHandle } from '../client';
import { loras, trainingEvents, trainingLossPoints, trainingSamples } from '../schema';
import { createCharacter } from './characters';
import { createTrainingRun, downsample, getTrainingRun, listTrainingRuns, LOSS_POINTS, updateTrainingRun } from './trainings';
import { resolveSettings } from '../../lib/contracts/training';

describe.each(testDatabaseKinds())('training runs on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('lists runs with their loss series (downsampled like downsample()), samples, timeline and LoRA', async () => {
    const { db } = handle;
    const character = await createCharacter(db, { name: 'Training list subject', triggerWord: 'tls_x1' });
    const settings = resolveSettings('balanced', {});
    const sizes = [0, 7, LOSS_POINTS, LOSS_POINTS + 1, 2003];
    const expected = new Map<string, Array<[number, number]>>();
    for (const size of sizes) {
      const run = await createTrainingRun(db, { id: crypto.randomUUID(), characterId: character.id, preset: 'balanced', advanced: {}, settings });
      // Steps with gaps and losses with more digits than a real holds.
      const points: Array<[number, number]> = Array.from({ length: size }, (_, i) => [3 * i + 1, 0.05 + ((i * 7919) % 1000) / 1234.5678]);
      if (points.length > 0) {
        await db.insert(trainingLossPoints).values(points.map(([step, loss]) => ({ runId: run.id, step, loss })));
        // As applyTrainingReport does with every loss point it writes: the run's event sequence moves on.
        await updateTrainingRun(db, run.id, {});
      }
      expected.set(run.id, downsample(points.map(([step, loss]) => [step, Math.fround(loss)])));
      if (size === LOSS_POINTS) {
        await db.insert(trainingSamples).values([
          { runId: run.id, step: 250, promptIndex: 1, prompt: 'b', filePath: 's/250-1.png' },
          { runId: run.id, step: 250, promptIndex: 0, prompt: 'a', filePath: 's/250-0.png' },
          { runId: run.id, step: 100, promptIndex: 0, prompt: 'a', filePath: 's/100-0.png' },
        ]);
        await db.insert(trainingEvents).values({ runId: run.id, kind: 'phase', message: 'Training', at: new Date(Date.now() + 1_000) });
        await db.insert(loras).values({
          characterId: character.id,
          trainingRunId: run.id,
          name: 'subject v1',
          version: 1,
          filePath: 'models/loras/subject_v1.safetensors',
          sha256: '0'.repeat(64),
          sizeBytes: 1,
          baseModel: 'flux1-dev',
          steps: 1000,
          triggerWord: 'tls_x1',
        });
      }
    }

    const runs = await listTrainingRuns(db, character.id);
    expect(runs).toHaveLength(sizes.length);
    for (const run of runs) {
      expect(await getTrainingRun(db, run.id)).toEqual(run);
      const want = expected.get(run.id)!;
      expect(run.loss.map(([step]) => step)).toEqual(want.map(([step]) => step));
      run.loss.forEach(([, loss], i) => expect(loss).toBeCloseTo(want[i]![1], 5));
      expect(run.loss.length).toBeLessThanOrEqual(LOSS_POINTS);
      expect(run.events[0]).toMatchObject({ kind: 'queued', message: 'Training queued' });
      for (const e of run.events) expect(new Date(e.at).toISOString()).toBe(e.at);
    }
    const withExtras = runs.find((r) => r.samples.length > 0)!;
    expect(withExtras.samples.map((s) => [s.step, s.promptIndex])).toEqual([
      [100, 0],
      [250, 0],
      [250, 1],
    ]);
    expect(withExtras.samples[0]!.url).toBe(`/api/trainings/${withExtras.id}/samples/${withExtras.samples[0]!.id}`);
    expect(withExtras.events.map((e) => e.kind)).toEqual(['queued', 'phase']);
    expect(withExtras.loraId).toEqual(expect.any(String));
    expect(runs.filter((r) => r.loraId !== null)).toHaveLength(1);
  });
});
