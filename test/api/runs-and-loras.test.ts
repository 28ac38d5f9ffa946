import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCharacter } from '../../db/repositories/characters';
import { createGeneration, finishGeneration } from '../../db/repositories/generations';
import { insertLora } from '../../db/repositories/loras';
import { createTrainingRun, updateTrainingRun } from '../../db/repositories/trainings';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import { generationInput, resolveGenerationParams } from '../../lib/contracts/generations';
import type { Lora, LoraEntryList, LoraImpact } from '../../lib/contracts/loras';
import { resolveSettings, type TrainingRunPage } from '../../lib/contracts/training';
import { testDatabaseKinds } from '../helpers/databases';
import { request } from '../helpers/http';
import { startTestStack, type TestStack } from '../helpers/stack';

describe.each(testDatabaseKinds())('every run and every LoRA, through the API (%s)', (kind) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ db: kind });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** A stopped run of a new character, with the LoRA it kept (a file on disk) at step 400 of 1000. */
  async function stoppedRunWithLora(name: string) {
    const db = stack.db.db;
    const character = await createCharacter(db, { name, triggerWord: `${name.toLowerCase().replace(/\W/g, '')}_t1` });
    const settings = { ...resolveSettings('quick', {}), steps: 1000 };
    const run = await createTrainingRun(db, { id: randomUUID(), characterId: character.id, preset: 'quick', advanced: {}, settings });
    await updateTrainingRun(db, run.id, { status: 'stopped', startedAt: new Date(Date.now() - 60_000), finishedAt: new Date() });
    const filePath = `models/loras/${character.id}/${randomUUID()}.safetensors`;
    const bytes = Buffer.from(`safetensors bytes of ${name}`);
    await mkdir(path.join(stack.config.storage.root, path.dirname(filePath)), { recursive: true });
    await writeFile(path.join(stack.config.storage.root, filePath), bytes);
    const lora = await insertLora(db, {
      characterId: character.id,
      trainingRunId: run.id,
      name: `${name} v1`,
      version: 1,
      filePath,
      sha256: '0'.repeat(64),
      sizeBytes: bytes.length,
      baseModel: 'flux1-dev',
      steps: 400,
      triggerWord: character.triggerWord,
    });
    return { character, run, lora, bytes, file: path.join(stack.config.storage.root, filePath) };
  }

  it('lists every run with filters and pages, and refuses bad queries with a clear 400', async () => {
    const { character, run, lora } = await stoppedRunWithLora('Runlist Ada');
    const page = await request<TrainingRunPage>(stack, `/api/trainings?characterId=${character.id}`);
    expect(page.status).toBe(200);
    expect(page.body.nextCursor).toBeNull();
    expect(page.body.items).toEqual([
      expect.objectContaining({
        id: run.id,
        characterName: 'Runlist Ada',
        status: 'stopped',
        preset: 'quick',
        durationSeconds: 60,
        lora: { id: lora.id, name: 'Runlist Ada v1', version: 1, steps: 400, recommended: false },
      }),
    ]);
    expect((await request<TrainingRunPage>(stack, `/api/trainings?characterId=${character.id}&status=completed`)).body.items).toEqual([]);
    const paged = await request<TrainingRunPage>(stack, '/api/trainings?limit=1');
    expect(paged.body.items).toHaveLength(1);

    const bad = await request<ApiErrorBody>(stack, '/api/trainings?status=done&limit=0&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'status', message: 'status must be one of: queued, running, completed, failed, stopped' },
        { field: 'limit', message: 'limit must be at least 1' },
      ]),
    );
    const cursor = await request<ApiErrorBody>(stack, '/api/trainings?cursor=nonsense');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.message).toBe('Invalid query: cursor is not one this API handed out');
  });

  it('lists every LoRA; renames it, takes notes, stars it; downloads it under its new name', async () => {
    const { character, run, lora, bytes } = await stoppedRunWithLora('Loralist Bea');
    const list = await request<LoraEntryList>(stack, `/api/loras?characterId=${character.id}`);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: lora.id,
        characterName: 'Loralist Bea',
        sizeBytes: bytes.length,
        sourceRun: { id: run.id, status: 'stopped', preset: 'quick', totalSteps: 1000 },
        stoppedEarly: { atStep: 400, ofSteps: 1000 },
        mostTrained: true,
      }),
    ]);

    const renamed = await request<Lora>(stack, `/api/loras/${lora.id}`, {
      method: 'PATCH',
      body: { name: '  Bea — best so far ', notes: 'Use at 0.9', favourite: true },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Bea — best so far', notes: 'Use at 0.9', favourite: true });
    expect((await request<LoraEntryList>(stack, `/api/loras?favourite=true&characterId=${character.id}`)).body.items.map((l) => l.id)).toEqual([lora.id]);

    const file = await fetch(`${stack.plane.url}/api/loras/${lora.id}/file`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe('attachment; filename=bea-best-so-far.safetensors');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes);

    const empty = await request<ApiErrorBody>(stack, `/api/loras/${lora.id}`, { method: 'PATCH', body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('Invalid request body: Send at least one of: name, notes, favourite');
    const blank = await request<ApiErrorBody>(stack, `/api/loras/${lora.id}`, { method: 'PATCH', body: { name: ' ', favourite: 'yes' } });
    expect(blank.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'Name cannot be empty' },
        { field: 'favourite', message: 'favourite must be true or false' },
      ]),
    );
    const missing = await request<ApiErrorBody>(stack, `/api/loras/${randomUUID()}`, { method: 'PATCH', body: { notes: 'x' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('LoRA was not found');
    const badQuery = await request<ApiErrorBody>(stack, '/api/loras?favourite=maybe');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details).toEqual([{ field: 'favourite', message: 'favourite must be true or false' }]);
  });

  it('shows what a delete affects, refuses it with 409 while a generation uses the LoRA, then deletes it and its file', async () => {
    const { lora, file } = await stoppedRunWithLora('Delete Cai');
    const params = resolveGenerationParams(
      generationInput.parse({ prompt: 'a portrait' }),
      { id: lora.id, fileName: 'x.safetensors', name: lora.name, triggerWord: lora.triggerWord, baseModel: 'flux1-dev' },
      () => 7,
    );
    const generation = await createGeneration(stack.db.db, { id: randomUUID(), params, characterId: lora.characterId });

    const impact = await request<LoraImpact>(stack, `/api/loras/${lora.id}/impact`);
    expect(impact.body).toEqual({ generations: 1, currentOfCharacter: true, activeJobs: [{ id: generation.id, status: 'queued' }] });
    const refused = await request<ApiErrorBody>(stack, `/api/loras/${lora.id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('This LoRA is used by a generation that is queued or running; cancel it or wait for it to finish');
    expect(existsSync(file)).toBe(true);

    await finishGeneration(stack.db.db, generation.id, { status: 'cancelled', errorCode: 'cancelled', errorMessage: 'Cancelled' });
    expect((await request(stack, `/api/loras/${lora.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await request(stack, `/api/loras/${lora.id}`)).status).toBe(404);
    expect((await request(stack, `/api/loras/${lora.id}/impact`)).status).toBe(404);
    expect((await request(stack, `/api/loras/${lora.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await request<LoraEntryList>(stack, `/api/loras?characterId=${lora.characterId}`)).body.items).toEqual([]);
  });
});
