import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings, type PresetId } from '../../lib/contracts/training';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import type { Database, DatabaseHandle } from '../client';
import { createCharacter, deleteCharacter } from './characters';
import { deleteLora, insertLora } from './loras';
import { BadRunCursorError, createTrainingRun, listAllTrainingRuns, setTrainingLikeness, updateTrainingRun } from './trainings';

async function run(db: Database, characterId: string, preset: PresetId, status: 'completed' | 'stopped' | 'failed' | 'running') {
  const created = await createTrainingRun(db, { id: randomUUID(), characterId, preset, advanced: {}, settings: resolveSettings(preset, {}) });
  await updateTrainingRun(db, created.id, { status });
  return created.id;
}

describe.each(testDatabaseKinds())('every training run, on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('lists runs of every character newest first, in pages, filtered by status, character and preset', async () => {
    const { db } = handle;
    const ada = await createCharacter(db, { name: 'Ada runs', triggerWord: 'ada_rs' });
    const bob = await createCharacter(db, { name: 'Bob runs', triggerWord: 'bob_rs' });
    const ids = [
      await run(db, ada.id, 'quick', 'completed'),
      await run(db, bob.id, 'balanced', 'failed'),
      await run(db, ada.id, 'balanced', 'stopped'),
      await run(db, bob.id, 'quick', 'completed'),
      await run(db, ada.id, 'high', 'running'),
    ];
    const newestFirst = [...ids].reverse();

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const answer = await listAllTrainingRuns(db, { limit: 2, cursor });
      seen.push(...answer.items.map((r) => r.id));
      if (!answer.nextCursor) break;
      cursor = answer.nextCursor;
    }
    expect(seen).toEqual(newestFirst);

    const first = (await listAllTrainingRuns(db, { limit: 10 })).items[0]!;
    expect(first).toMatchObject({ id: ids[4], characterName: 'Ada runs', preset: 'high', status: 'running', lora: null });

    expect((await listAllTrainingRuns(db, { limit: 10, status: 'completed' })).items.map((r) => r.id)).toEqual([ids[3], ids[0]]);
    expect((await listAllTrainingRuns(db, { limit: 10, characterId: bob.id })).items.map((r) => r.id)).toEqual([ids[3], ids[1]]);
    expect((await listAllTrainingRuns(db, { limit: 10, preset: 'balanced', characterId: ada.id })).items.map((r) => r.id)).toEqual([ids[2]]);

    await expect(listAllTrainingRuns(db, { limit: 10, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(BadRunCursorError);

    // A deleted character's runs leave the list.
    await deleteCharacter(db, bob.id);
    expect((await listAllTrainingRuns(db, { limit: 10 })).items.map((r) => r.id)).toEqual([ids[4], ids[2], ids[0]]);
  });

  it('shows the duration and the LoRA a run made, the recommended checkpoint first', async () => {
    const { db } = handle;
    const character = await createCharacter(db, { name: 'Cleo runs', triggerWord: 'cleo_rs' });
    const id = await run(db, character.id, 'balanced', 'completed');
    const startedAt = new Date('2026-03-01T10:00:00Z');
    await updateTrainingRun(db, id, { startedAt, finishedAt: new Date('2026-03-01T10:25:30Z') });
    const lora = (steps: number, version: number) =>
      insertLora(db, {
        characterId: character.id,
        trainingRunId: id,
        name: `Cleo v${version}`,
        version,
        filePath: `models/loras/cleo-v${version}.safetensors`,
        sha256: '0'.repeat(64),
        sizeBytes: 1,
        baseModel: 'flux1-dev',
        steps,
        triggerWord: 'cleo_rs',
      });
    const recommended = await lora(750, 1);
    const final = await lora(1000, 2);
    const listed = async () => (await listAllTrainingRuns(db, { limit: 10, characterId: character.id })).items[0]!;

    // No recommendation: the most trained.
    expect(await listed()).toMatchObject({ durationSeconds: 1530, lora: { id: final.id, name: 'Cleo v2', version: 2, steps: 1000, recommended: false } });
    await setTrainingLikeness(db, id, {
      scorer: 'test@1',
      curve: [],
      recommended: { step: 750, finalStep: 1000, recognisable: 4, samples: 4, mean: 0.7, reason: 'highest likeness' },
    });
    expect((await listed()).lora).toEqual({ id: recommended.id, name: 'Cleo v1', version: 1, steps: 750, recommended: true });
    await deleteLora(db, recommended.id);
    expect((await listed()).lora).toMatchObject({ id: final.id, recommended: false });

    // A running run's duration counts up to now; a queued one has none yet.
    const running = await run(db, character.id, 'quick', 'running');
    await updateTrainingRun(db, running, { startedAt });
    const now = new Date(startedAt.getTime() + 90_000);
    const page = await listAllTrainingRuns(db, { limit: 10, characterId: character.id }, now);
    expect(page.items.find((r) => r.id === running)?.durationSeconds).toBe(90);
  });
});
