import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationInput, resolveGenerationParams } from '../../lib/contracts/generations';
import { resolveSettings } from '../../lib/contracts/training';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import type { Database, DatabaseHandle } from '../client';
import { createCharacter, deleteCharacter } from './characters';
import { createGeneration, finishGeneration } from './generations';
import { deleteLora, getLora, insertLora, listAllLoras, listLoras, loraImpact, restoreLora, updateLora } from './loras';
import { createTrainingRun, setTrainingLikeness, updateTrainingRun } from './trainings';

async function runOf(db: Database, characterId: string, status: 'completed' | 'stopped', totalSteps = 1000): Promise<string> {
  const settings = { ...resolveSettings('balanced', {}), steps: totalSteps };
  const run = await createTrainingRun(db, { id: randomUUID(), characterId, preset: 'balanced', advanced: {}, settings });
  await updateTrainingRun(db, run.id, { status });
  return run.id;
}

async function loraOf(db: Database, characterId: string, runId: string | null, version: number, steps: number) {
  return insertLora(db, {
    characterId,
    trainingRunId: runId,
    name: `Subject v${version}`,
    version,
    filePath: `models/loras/${characterId}/subject-v${version}.safetensors`,
    sha256: '0'.repeat(64),
    sizeBytes: 1234 * version,
    baseModel: 'flux1-dev',
    steps,
    triggerWord: 'subj_x1',
  });
}

async function generationWith(db: Database, lora: { id: string; name: string }) {
  const params = resolveGenerationParams(
    generationInput.parse({ prompt: 'a portrait' }),
    { id: lora.id, fileName: 'x.safetensors', name: lora.name, triggerWord: 'subj_x1', baseModel: 'flux1-dev' },
    () => 7,
  );
  return createGeneration(db, { id: randomUUID(), params, characterId: null });
}

describe.each(testDatabaseKinds())('LoRAs on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('lists every LoRA with its character, source run, stopped-early step, recommendation and the most trained one', async () => {
    const { db } = handle;
    const ada = await createCharacter(db, { name: 'Ada all-loras', triggerWord: 'ada_al' });
    const bob = await createCharacter(db, { name: 'Bob all-loras', triggerWord: 'bob_al' });
    const completed = await runOf(db, ada.id, 'completed', 1000);
    await setTrainingLikeness(db, completed, {
      scorer: 'test@1',
      curve: [],
      recommended: { step: 800, finalStep: 1000, recognisable: 3, samples: 4, mean: 0.6, reason: 'highest likeness' },
    });
    const stopped = await runOf(db, ada.id, 'stopped', 1000);
    const recommended = await loraOf(db, ada.id, completed, 1, 800);
    const early = await loraOf(db, ada.id, stopped, 2, 400);
    const bobs = await loraOf(db, bob.id, null, 1, 500);

    const all = await listAllLoras(db);
    const mine = all.filter((l) => [recommended.id, early.id, bobs.id].includes(l.id));
    // Newest first.
    expect(mine.map((l) => l.id)).toEqual([bobs.id, early.id, recommended.id]);
    expect(mine.find((l) => l.id === recommended.id)).toMatchObject({
      characterName: 'Ada all-loras',
      sourceRun: { id: completed, status: 'completed', preset: 'balanced', totalSteps: 1000 },
      stoppedEarly: null,
      recommended: true,
      mostTrained: true,
      notes: '',
      favourite: false,
      sizeBytes: 1234,
    });
    expect(mine.find((l) => l.id === early.id)).toMatchObject({
      sourceRun: { id: stopped, status: 'stopped' },
      stoppedEarly: { atStep: 400, ofSteps: 1000 },
      recommended: false,
      mostTrained: false,
    });
    expect(mine.find((l) => l.id === bobs.id)).toMatchObject({ characterName: 'Bob all-loras', sourceRun: null, mostTrained: true });

    expect((await listAllLoras(db, { characterId: bob.id })).map((l) => l.id)).toEqual([bobs.id]);
    await updateLora(db, early.id, { favourite: true });
    expect((await listAllLoras(db, { favourite: true })).map((l) => l.id)).toEqual([early.id]);

    // A deleted character's LoRAs are gone from the list.
    await deleteCharacter(db, bob.id);
    expect((await listAllLoras(db)).map((l) => l.id)).not.toContain(bobs.id);
  });

  it('renames a LoRA, keeps its notes and favourite, and changes only what was sent', async () => {
    const { db } = handle;
    const character = await createCharacter(db, { name: 'Cleo rename', triggerWord: 'cleo_rn' });
    const lora = await loraOf(db, character.id, null, 1, 1000);
    const renamed = await updateLora(db, lora.id, { name: 'Cleo best', notes: 'Sharp at 0.8 strength' });
    expect(renamed).toMatchObject({ name: 'Cleo best', notes: 'Sharp at 0.8 strength', favourite: false });
    const starred = await updateLora(db, lora.id, { favourite: true, name: undefined });
    expect(starred).toMatchObject({ name: 'Cleo best', notes: 'Sharp at 0.8 strength', favourite: true });
    expect((await listLoras(db, character.id))[0]).toMatchObject({ name: 'Cleo best', favourite: true });
    expect(await updateLora(db, randomUUID(), { name: 'nobody' })).toBeUndefined();
  });

  it('tells what deleting affects, refuses while a job uses the LoRA, and deletes it once none does', async () => {
    const { db } = handle;
    const character = await createCharacter(db, { name: 'Dora delete', triggerWord: 'dora_dl' });
    const older = await loraOf(db, character.id, null, 1, 1000);
    const newest = await loraOf(db, character.id, null, 2, 500);
    const done = await generationWith(db, newest);
    await finishGeneration(db, done.id, { status: 'failed', errorCode: 'x', errorMessage: 'x' });
    const running = await generationWith(db, newest);

    expect(await loraImpact(db, newest.id)).toEqual({
      generations: 2,
      currentOfCharacter: true,
      activeJobs: [{ id: running.id, status: 'queued' }],
    });
    expect(await loraImpact(db, older.id)).toEqual({ generations: 0, currentOfCharacter: false, activeJobs: [] });

    expect(await deleteLora(db, newest.id)).toEqual({ busy: true });
    expect(await getLora(db, newest.id)).toBeDefined();

    await finishGeneration(db, running.id, { status: 'cancelled', errorCode: 'cancelled', errorMessage: 'cancelled' });
    const outcome = await deleteLora(db, newest.id);
    expect(outcome).toMatchObject({ deleted: { id: newest.id, filePath: newest.filePath } });
    expect(await getLora(db, newest.id)).toBeUndefined();
    expect(await deleteLora(db, newest.id)).toEqual({ missing: true });
    expect(await loraImpact(db, newest.id)).toBeUndefined();
    // The older one is now the character's current model.
    expect((await loraImpact(db, older.id))?.currentOfCharacter).toBe(true);
    expect((await listAllLoras(db, { characterId: character.id })).map((l) => l.id)).toEqual([older.id]);

    // Turning the same checkpoint into a LoRA again brings it back.
    await restoreLora(db, newest.id);
    expect(await getLora(db, newest.id)).toBeDefined();
  });
});
