import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import type { DatabaseHandle } from '../client';
import { loras, trainingEvents, trainingLossPoints, trainingSamples } from '../schema';
import { createCharacter } from './characters';
import { applyTrainingReport, beginTrainingAttempt, closeOpenTrainingRun, createTrainingRun, downsample, finishTrainingRun, getTrainingRun, listTrainingRuns, LOSS_POINTS, requestTrainingStop, updateTrainingRun } from './trainings';
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
      // One active run per character: each ends before the next begins.
      await updateTrainingRun(db, run.id, { status: 'completed' });
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

  it('holds one active run per character, whatever asks at the same moment', async () => {
    const { db } = handle;
    const character = await createCharacter(db, { name: 'One at a time', triggerWord: 'oat_x1' });
    const start = () =>
      createTrainingRun(db, { id: crypto.randomUUID(), characterId: character.id, preset: 'quick', advanced: {}, settings: resolveSettings('quick', {}) });
    const attempts = await Promise.allSettled([start(), start(), start()]);
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const first = (attempts.find((a) => a.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof start>>>).value;
    await expect(start()).rejects.toThrow();

    // Asking to stop it: "stopping" from now on, its step no longer counting; once it has ended, asking again is refused.
    await updateTrainingRun(db, first.id, { status: 'running', phase: 'training', step: 40 });
    expect(await requestTrainingStop(db, first.id)).toBe(true);
    expect(await getTrainingRun(db, first.id)).toMatchObject({ phase: 'stopping', step: 40, stopRequestedAt: expect.any(String) });
    await finishTrainingRun(db, first.id, { status: 'stopped', message: 'Stopped' });
    expect(await requestTrainingStop(db, first.id)).toBe(false);
    // An ended run is closed once: a second close changes nothing.
    expect(await closeOpenTrainingRun(db, first.id, { status: 'failed', message: 'lost' })).toBe(false);

    // The next one may start, and the reconciler can close it when its workflow is gone.
    const second = await start();
    expect(await closeOpenTrainingRun(db, second.id, { status: 'failed', errorCode: 'terminated', errorMessage: 'Ended', message: 'Ended' })).toBe(true);
    expect(await getTrainingRun(db, second.id)).toMatchObject({ status: 'failed', phase: 'done', error: { code: 'terminated', message: 'Ended' } });
    await start();
  });
  it('records one sample per step and prompt, however often an engine start makes or announces it', async () => {
    const { db } = handle;
    const character = await createCharacter(db, { name: 'Sample dedupe subject', triggerWord: 'sds_x1' });
    const run = await createTrainingRun(db, { id: crypto.randomUUID(), characterId: character.id, preset: 'quick', advanced: {}, settings: resolveSettings('quick', {}) });
    const first = await beginTrainingAttempt(db, run.id, 'gpu-a');
    const sample = (step: number, promptIndex: number, file: string) => ({ step, promptIndex, prompt: 'p', filePath: `training/${run.id}/samples/${file}` });
    await applyTrainingReport(db, run.id, { workerId: 'gpu-a', attempt: first, samples: [sample(0, 0, '1__000000000_0.jpg'), sample(250, 0, '2__000000250_0.jpg')] });
    // The same file announced again, then a resumed start re-running step 250 and a second set of final samples.
    await applyTrainingReport(db, run.id, { workerId: 'gpu-a', attempt: first, samples: [sample(0, 0, '1__000000000_0.jpg')] });
    const second = await beginTrainingAttempt(db, run.id, 'gpu-a');
    await applyTrainingReport(db, run.id, {
      workerId: 'gpu-a',
      attempt: second,
      samples: [sample(250, 0, '3__000000250_0.jpg'), sample(250, 1, '3__000000250_1.jpg'), sample(250, 1, '4__000000250_1.jpg')],
    });
    const recorded = (await getTrainingRun(db, run.id))!.samples;
    expect(recorded.map((s) => [s.step, s.promptIndex])).toEqual([
      [0, 0],
      [250, 0],
      [250, 1],
    ]);
    const files = await db.select({ filePath: trainingSamples.filePath }).from(trainingSamples);
    const mine = files.map((f) => f.filePath).filter((f) => f.startsWith(`training/${run.id}/`)).sort();
    expect(mine).toEqual([`training/${run.id}/samples/1__000000000_0.jpg`, `training/${run.id}/samples/2__000000250_0.jpg`, `training/${run.id}/samples/3__000000250_1.jpg`]);
  });
});
