import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { Lora } from '../lib/contracts/loras';
import type { Checkpoint, TrainingRun } from '../lib/contracts/training';
import { request } from './helpers/http';
import { startTestStack, type TestStack } from './helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from './helpers/training';

/** Continue training (issue 24) against the simulated trainer, which resumes as ai-toolkit does. */
describe('Continue training', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    await stack.startGpuWorker('gpu-continue');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const continueRun = (id: string, body: unknown) =>
    request<TrainingRun & ApiErrorBody>(stack, `/api/trainings/${id}/continue`, { method: 'POST', body });
  const checkpoints = async (id: string) => (await request<{ items: Checkpoint[] }>(stack, `/api/trainings/${id}/checkpoints`)).body.items;

  it('continues a finished run as a new version from its last checkpoint, counting on from its step', async () => {
    const character = await characterWithPhotos(stack, 'Continua', 2);
    const first = await startTraining(stack, character.id, { steps: 100, saveEvery: 50, sampleEvery: 50, samplePrompts: ['[trigger], portrait'] });
    const source = await waitForTraining(stack, first.id, finished, 90_000);
    expect(source.status).toBe('completed');

    // Refused before anything starts: unknown run, bad input, settings a resume cannot change, too many steps.
    expect((await continueRun(randomUUID(), { additionalSteps: 100 })).status).toBe(404);
    const few = await continueRun(first.id, { additionalSteps: 10 });
    expect([few.status, few.body.error.message]).toEqual([400, expect.stringContaining('Add at least 50 steps')]);
    const rank = await continueRun(first.id, { additionalSteps: 100, settings: { rank: 32 } });
    expect(rank.status).toBe(400);
    const many = await continueRun(first.id, { additionalSteps: 9_950 });
    expect([many.status, many.body.error.message]).toEqual([400, expect.stringContaining('add at most 9900')]);

    const started = await continueRun(first.id, { additionalSteps: 100, settings: { learningRate: 0.0002 } });
    expect(started.status).toBe(202);
    const second = started.body;
    expect(second).toMatchObject({
      id: expect.not.stringMatching(first.id),
      characterId: character.id,
      continuedFrom: { runId: first.id, step: 100 },
      step: 100,
      totalSteps: 200,
      settings: { ...source.settings, steps: 200, learningRate: 0.0002 },
    });

    // While it runs: it cannot be continued itself, and its source cannot start a second run of the character.
    const running = await continueRun(second.id, { additionalSteps: 100 });
    expect([running.status, running.body.error.message]).toEqual([409, expect.stringContaining('still running')]);
    const busy = await continueRun(first.id, { additionalSteps: 100 });
    expect([busy.status, busy.body.error.message]).toEqual([409, expect.stringContaining('is already training')]);

    const done = await waitForTraining(stack, second.id, finished, 90_000);
    expect(done).toMatchObject({ status: 'completed', step: 200, totalSteps: 200, continuedFrom: { runId: first.id, step: 100 } });
    const messages = done.events.map((e) => e.message);
    expect(messages).toContain(`Continuing run ${first.id.slice(0, 8)} from its checkpoint at step 100`);
    // The engine itself found the step in the checkpoint's metadata.
    expect(messages).toContain('Resumed from the checkpoint at step 100');
    // Loss, samples and likeness go on from there: nothing before the starting step (the engine trains its index
    // again, spec §5), no baseline samples.
    expect(done.loss.length).toBeGreaterThan(0);
    expect(done.loss.filter(([step]) => step < 100)).toEqual([]);
    expect(done.samples.map((s) => s.step)).toEqual([150, 200]);
    const steps = (await checkpoints(second.id)).map((c) => [c.step, c.final]);
    expect(steps).toEqual(expect.arrayContaining([[150, false], [200, true]]));
    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    expect(lora).toMatchObject({ trainingRunId: second.id, version: 2 });
    expect(lora.steps).toBeGreaterThan(100);

    if (process.env.RECORD_HISTORIES) {
      const history = await stack.plane.temporal.workflow.getHandle(done.workflowId).fetchHistory();
      // Recorded for the replay test (workflows/train-lora.replay.test.ts): RECORD_HISTORIES=1.
      writeFileSync(path.join(import.meta.dirname, '../workflows/histories/train-lora-continued.json'), `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    }
  }, 240_000);

  it('continues a stopped run from the checkpoint its stop kept; a run without a checkpoint left cannot be continued', async () => {
    const character = await characterWithPhotos(stack, 'Restarta', 2);
    const first = await startTraining(stack, character.id, { steps: 2000, saveEvery: 1000, sampleEvery: 5000, samplePrompts: [] });
    await waitForTraining(stack, first.id, (r) => r.phase === 'training' && r.step >= 60, 60_000, 'training past step 60');
    expect((await request(stack, `/api/trainings/${first.id}/stop`, { method: 'POST' })).status).toBe(202);
    const stopped = await waitForTraining(stack, first.id, finished, 60_000);
    expect(stopped.status).toBe('stopped');
    const kept = (await checkpoints(first.id)).at(-1)!;
    expect(kept.step).toBeGreaterThanOrEqual(60);

    const started = await continueRun(first.id, { additionalSteps: 50, settings: { saveEvery: 50, sampleEvery: 50 } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ continuedFrom: { runId: first.id, step: kept.step }, totalSteps: kept.step + 50 });
    const done = await waitForTraining(stack, started.body.id, finished, 60_000);
    expect(done).toMatchObject({ status: 'completed', step: kept.step + 50 });
    expect(done.events.map((e) => e.message)).toContain(`Resumed from the checkpoint at step ${kept.step}`);

    // Its checkpoints deleted: nothing to resume.
    rmSync(path.join(stack.config.storage.root, 'training', first.id), { recursive: true, force: true });
    const gone = await continueRun(first.id, { additionalSteps: 100 });
    expect([gone.status, gone.body.error.message]).toEqual([409, expect.stringContaining('no checkpoint left')]);
  }, 240_000);
});

/** A run that fell back to the low-VRAM profile (out of memory) is continued on that profile, and says so. */
describe('Continue training after an out-of-memory fallback', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    // Fired once per training folder, at loop step 30: the source runs out of memory, its continuation (past step 30) never.
    await stack.startGpuWorker('gpu-oom', { ISENGARD_SIM_FAULT: 'oom@30' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The model section of each engine start's job config, in the order the starts were made. */
  const engineStarts = (runId: string) => {
    const dir = path.join(stack.config.storage.training, runId, 'starts');
    return readdirSync(dir)
      .filter((f) => /^[0-9a-f]{8}\.json$/.test(f))
      .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')).config.process[0].model as { low_vram: boolean });
  };

  it('starts the continuation on the lower-memory profile its source ended on, and says why', async () => {
    const character = await characterWithPhotos(stack, 'Lowmem', 2);
    const first = await startTraining(stack, character.id, { steps: 120, saveEvery: 60, sampleEvery: 1000 });
    const source = await waitForTraining(stack, first.id, finished, 90_000);
    expect(source.status).toBe('completed');
    expect(engineStarts(first.id).map((m) => m.low_vram).sort()).toEqual([false, true]);

    const started = await request<TrainingRun>(stack, `/api/trainings/${first.id}/continue`, { method: 'POST', body: { additionalSteps: 60 } });
    expect(started.status).toBe(202);
    const why = `Starts on the lower-memory profile, as run ${first.id.slice(0, 8)} ended on it after the GPU ran out of memory (slower; no 1024 px images)`;
    expect(started.body.events.map((e) => [e.kind, e.message])).toContainEqual(['low_vram', why]);

    const done = await waitForTraining(stack, started.body.id, finished, 90_000);
    expect(done).toMatchObject({ status: 'completed', step: 180 });
    expect(engineStarts(done.id).map((m) => m.low_vram)).toEqual([true]);
    expect(done.events.map((e) => e.message)).not.toContain('The GPU ran out of memory: trying again with a lower-memory profile (slower; no 1024 px images)');
  }, 240_000);
});
