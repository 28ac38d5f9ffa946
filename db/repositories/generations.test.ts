import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationInput, resolveGenerationParams } from '../../lib/contracts/generations';
import { resolveSettings } from '../../lib/contracts/training';
import type { GeneratedImage } from '../../lib/contracts/generation-report';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import type { DatabaseHandle } from '../client';
import { outputs } from '../schema';
import { createCharacter } from './characters';
import {
  completeGeneration,
  createGeneration,
  finishGeneration,
  getGeneration,
  getGenerationRow,
  getVersionedGeneration,
  gpuOccupants,
  markGenerationRunning,
  requestGenerationCancel,
} from './generations';
import { createTrainingRun, updateTrainingRun } from './trainings';

const image = (generationId: string, index: number, seed = 7 + index): GeneratedImage => ({
  index,
  filePath: `outputs/${generationId}/image-${index}.png`,
  width: 512,
  height: 512,
  seed,
  sizeBytes: 1000 + index,
  sha256: 'a'.repeat(64),
});

describe.each(testDatabaseKinds())('how a generation ends, on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  async function queued(): Promise<string> {
    const params = resolveGenerationParams(generationInput.parse({ prompt: 'a portrait', batch: 2 }), null, () => 7);
    return (await createGeneration(handle.db, { id: randomUUID(), params, characterId: null })).id;
  }

  it('is completed by the record of its images; a second record changes nothing', async () => {
    const id = await queued();
    await markGenerationRunning(handle.db, id, 'gpu-a');
    const first = [image(id, 0), image(id, 1)];
    expect(await completeGeneration(handle.db, id, first)).toBe('completed');
    const done = await getGeneration(handle.db, id);
    expect(done).toMatchObject({ status: 'completed', progress: 1, cancelRequestedAt: null });
    expect(done!.outputs.map((o) => [o.index, o.seed])).toEqual([[0, 7], [1, 8]]);

    // A retried record (with other seeds, say): no change at all.
    expect(await completeGeneration(handle.db, id, [image(id, 0, 99), image(id, 1, 98)])).toBe('already');
    expect(await getGeneration(handle.db, id)).toEqual(done);
    // A late failure or cancel does not take the images away either, nor can a cancel be asked for any more.
    expect(await finishGeneration(handle.db, id, { status: 'cancelled', errorCode: null, errorMessage: null })).toBe(false);
    expect(await requestGenerationCancel(handle.db, id)).toBe(false);
    expect((await getGeneration(handle.db, id))?.status).toBe('completed');
  });

  it('ends cancelled, not completed, when its cancel was asked for before the record', async () => {
    const id = await queued();
    await markGenerationRunning(handle.db, id, 'gpu-a');
    expect(await requestGenerationCancel(handle.db, id)).toBe(true);
    // Asked twice: the first moment is kept.
    const asked = (await getGeneration(handle.db, id))!.cancelRequestedAt;
    expect(asked).not.toBeNull();
    expect(await requestGenerationCancel(handle.db, id)).toBe(true);
    expect((await getGeneration(handle.db, id))!.cancelRequestedAt).toBe(asked);
    expect(await completeGeneration(handle.db, id, [image(id, 0)])).toBe('cancelled');
    expect(await getGeneration(handle.db, id)).toMatchObject({ status: 'cancelled', outputs: [] });
  });

  it('says what keeps the GPU from a queued job: the characters whose training runs, and a running generation', async () => {
    const [ada, bo] = await Promise.all([
      createCharacter(handle.db, { name: `Occupant Ada ${kind}`, triggerWord: 'ada_x1' }),
      createCharacter(handle.db, { name: `Occupant Bo ${kind}`, triggerWord: 'bo_x1' }),
    ]);
    for (const character of [bo, ada]) {
      const run = await createTrainingRun(handle.db, { id: randomUUID(), characterId: character.id, preset: 'balanced', advanced: {}, settings: resolveSettings('balanced', {}) });
      await updateTrainingRun(handle.db, run.id, { status: 'running' });
    }
    expect((await gpuOccupants(handle.db)).training).toEqual(expect.arrayContaining([ada.name, bo.name]));
    const id = await queued();
    expect(await markGenerationRunning(handle.db, id, 'gpu-a')).toBe(true);
    expect((await gpuOccupants(handle.db)).generating).toBe(true);
    const read = await getVersionedGeneration(handle.db, id);
    expect(read).toMatchObject({ generation: { id, status: 'running' }, version: (await getGenerationRow(handle.db, id))!.updatedAt.getTime() });
    expect(await finishGeneration(handle.db, id, { status: 'cancelled', errorCode: null, errorMessage: null })).toBe(true);
    // An ended generation cannot be marked running again (a late report from its worker).
    expect(await markGenerationRunning(handle.db, id, 'gpu-a')).toBe(false);
  });

  it('never turns a cancelled or failed generation into a completed one', async () => {
    const cancelled = await queued();
    expect(await finishGeneration(handle.db, cancelled, { status: 'cancelled', errorCode: null, errorMessage: null })).toBe(true);
    expect(await completeGeneration(handle.db, cancelled, [image(cancelled, 0)])).toBe('ended');
    expect(await getGeneration(handle.db, cancelled)).toMatchObject({ status: 'cancelled', outputs: [] });

    const failed = await queued();
    expect(await finishGeneration(handle.db, failed, { status: 'failed', errorCode: 'oom', errorMessage: 'Out of memory' })).toBe(true);
    expect(await finishGeneration(handle.db, failed, { status: 'cancelled', errorCode: null, errorMessage: null })).toBe(false);
    expect(await getGeneration(handle.db, failed)).toMatchObject({ status: 'failed', error: { code: 'oom', message: 'Out of memory' } });
  });

  it('completes over image rows an interrupted record left behind', async () => {
    const id = await queued();
    await handle.db.insert(outputs).values({ ...image(id, 0), generationId: id });
    expect(await completeGeneration(handle.db, id, [image(id, 0), image(id, 1)])).toBe('completed');
    expect((await getGeneration(handle.db, id))!.outputs.map((o) => o.index)).toEqual([0, 1]);
  });
});
