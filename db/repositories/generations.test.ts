import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationInput, resolveGenerationParams } from '../../lib/contracts/generations';
import { resolveSettings } from '../../lib/contracts/training';
import type { GeneratedImage } from '../../lib/contracts/generation-report';
import type { PictureLikeness } from '../../lib/contracts/likeness';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import type { DatabaseHandle } from '../client';
import { generations, outputs } from '../schema';
import { createCharacter } from './characters';
import {
  BadCursorError,
  completeGeneration,
  createGeneration,
  deleteOutputs,
  finishGeneration,
  getGeneration,
  getGenerationRow,
  getVersionedGeneration,
  gpuOccupants,
  listGenerations,
  markGenerationRunning,
  requestGenerationCancel,
  setOutputFavourite,
  UnknownOutputsError,
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

describe.each(testDatabaseKinds())('the gallery in pages, by likeness and recognisable only, on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  const likeness = (similarity: number | null, status: PictureLikeness['status'] = 'scored'): PictureLikeness => ({
    scorer: 'face-api@1',
    status,
    similarity,
    recognisable: similarity !== null && similarity >= 0.935,
    faces: status === 'scored' ? 1 : 0,
    copyOf: null,
    scoredAt: new Date().toISOString(),
  });

  /**
   * A character's generations, created a second apart in this order, each with pictures of these likenesses
   * (undefined: not scored yet); an empty list is a generation still queued.
   */
  async function gallery(specs: Array<Array<PictureLikeness | undefined>>, createdAt = (i: number) => `2026-01-16T12:00:0${i}.000Z`) {
    const character = await createCharacter(handle.db, { name: `Gallery ${randomUUID().slice(0, 8)}`, triggerWord: 'g_x1' });
    const ids: string[] = [];
    for (const [i, pictures] of specs.entries()) {
      const params = resolveGenerationParams(generationInput.parse({ prompt: `picture ${i}`, batch: Math.max(1, pictures.length) }), null, () => 7);
      const { id } = await createGeneration(handle.db, { id: randomUUID(), params, characterId: character.id });
      await handle.db.update(generations).set({ createdAt: sql`${createdAt(i)}::timestamptz` }).where(eq(generations.id, id));
      if (pictures.length > 0) await completeGeneration(handle.db, id, pictures.map((_, index) => image(id, index)));
      for (const [index, score] of pictures.entries()) {
        if (score) await handle.db.update(outputs).set({ likeness: score }).where(and(eq(outputs.generationId, id), eq(outputs.index, index)));
      }
      ids.push(id);
    }
    return { characterId: character.id, ids };
  }

  /** Every page of the gallery, `limit` at a time, in order. */
  async function allPages(query: Omit<Parameters<typeof listGenerations>[1], 'limit' | 'cursor'>, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listGenerations(handle.db, { ...query, limit, cursor });
      seen.push(...page.items.map((g) => g.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return seen;
  }

  it('orders by each generation’s most alike picture, highest first, the unscored last and newest first, in pages', async () => {
    const { characterId, ids } = await gallery([
      [likeness(0.96)], // 0
      [likeness(0.8), likeness(0.9)], // 1
      [likeness(null, 'no_face')], // 2
      [undefined], // 3: not scored yet
      [likeness(0.96), undefined], // 4: ties with 0, newer
      [], // 5: queued
      [likeness(0.9)], // 6: ties with 1, newer
    ]);
    const expected = [4, 0, 6, 1, 5, 3, 2].map((i) => ids[i]);
    for (const limit of [1, 2, 3, 100]) expect(await allPages({ characterId, sort: 'likeness' }, limit)).toEqual(expected);
    expect(await allPages({ characterId }, 2)).toEqual([...ids].reverse());
  });

  it('keeps only the generations with a recognisable picture, in either order', async () => {
    const { characterId, ids } = await gallery([[likeness(0.94)], [likeness(0.9), likeness(0.97)], [likeness(0.93)], [undefined], [likeness(null, 'no_face')]]);
    expect(await allPages({ characterId, recognisable: true }, 1)).toEqual([ids[1], ids[0]]);
    expect(await allPages({ characterId, recognisable: true, sort: 'likeness' }, 1)).toEqual([ids[1], ids[0]]);
    expect(await allPages({ characterId, recognisable: false }, 10)).toHaveLength(5);
  });

  it('pages through generations made within the same millisecond without losing one', async () => {
    const { characterId, ids } = await gallery([[undefined], [undefined], [undefined]], (i) => `2026-01-16 12:00:00.000${i}00+00`);
    expect(await allPages({ characterId }, 1)).toEqual([...ids].reverse());
    expect(await allPages({ characterId, sort: 'likeness' }, 1)).toEqual([...ids].reverse());
  });

  it('refuses a cursor it did not hand out, or one of the other order', async () => {
    const { characterId } = await gallery([[likeness(0.9)], [likeness(0.95)]]);
    const newest = await listGenerations(handle.db, { characterId, limit: 1 });
    const byLikeness = await listGenerations(handle.db, { characterId, limit: 1, sort: 'likeness' });
    await expect(listGenerations(handle.db, { characterId, limit: 1, sort: 'likeness', cursor: newest.nextCursor! })).rejects.toThrow(
      'cursor belongs to the newest order, not to sort=likeness',
    );
    await expect(listGenerations(handle.db, { characterId, limit: 1, cursor: byLikeness.nextCursor! })).rejects.toThrow(BadCursorError);
    const forged = Buffer.from(`likeness|high|2026-01-16T12:00:00Z|${randomUUID()}`).toString('base64url');
    await expect(listGenerations(handle.db, { characterId, limit: 1, sort: 'likeness', cursor: forged })).rejects.toThrow(BadCursorError);
  });
});

describe.each(testDatabaseKinds())('one picture at a time: favourites and deletes, on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  async function completed(batch: number): Promise<string> {
    const params = resolveGenerationParams(generationInput.parse({ prompt: 'a lighthouse', batch }), null, () => 7);
    const id = (await createGeneration(handle.db, { id: randomUUID(), params, characterId: null })).id;
    await completeGeneration(handle.db, id, Array.from({ length: batch }, (_, i) => image(id, i)));
    return id;
  }

  it('marks a favourite; the favourite filter keeps its generation with only the favourite pictures', async () => {
    const id = await completed(3);
    const [, second] = (await getGeneration(handle.db, id))!.outputs;
    expect((await setOutputFavourite(handle.db, second!.id, true))?.favourite).toBe(true);
    const page = await listGenerations(handle.db, { favourite: true, limit: 100 });
    expect(page.items.find((g) => g.id === id)?.outputs.map((o) => [o.id, o.favourite])).toEqual([[second!.id, true]]);
    expect((await getGeneration(handle.db, id))!.outputs.map((o) => o.favourite)).toEqual([false, true, false]);
    expect(await setOutputFavourite(handle.db, randomUUID(), true)).toBeUndefined();
  });

  it('deletes pictures all or none, and the generation with its last one', async () => {
    const id = await completed(2);
    const [first, second] = (await getGeneration(handle.db, id))!.outputs;
    const unknown = randomUUID();
    await expect(deleteOutputs(handle.db, [first!.id, unknown])).rejects.toThrow(UnknownOutputsError);
    expect((await getGeneration(handle.db, id))!.outputs).toHaveLength(2);

    expect((await deleteOutputs(handle.db, [first!.id])).map((o) => o.filePath)).toEqual([`outputs/${id}/image-0.png`]);
    expect((await getGeneration(handle.db, id))!.outputs.map((o) => o.id)).toEqual([second!.id]);
    await deleteOutputs(handle.db, [second!.id]);
    expect(await getGeneration(handle.db, id)).toBeUndefined();
  });

  it('filters by when the generation was made', async () => {
    const id = await completed(1);
    const made = Date.parse((await getGeneration(handle.db, id))!.createdAt);
    const ids = async (from: number, to: number) =>
      (await listGenerations(handle.db, { from: new Date(from).toISOString(), to: new Date(to).toISOString(), limit: 100 })).items.map((g) => g.id);
    expect(await ids(made - 1000, made + 1)).toContain(id);
    expect(await ids(made + 1, made + 1000)).not.toContain(id);
  });
});
