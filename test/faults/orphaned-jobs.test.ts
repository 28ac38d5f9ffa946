import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeneration } from '../../db/repositories/generations';
import { createTrainingRun } from '../../db/repositories/trainings';
import type { Character } from '../../lib/contracts/characters';
import type { Generation } from '../../lib/contracts/generations';
import { generationInput, resolveGenerationParams } from '../../lib/contracts/generations';
import type { Health } from '../../lib/contracts/health';
import type { UploadPhotosResult } from '../../lib/contracts/photos';
import { resolveSettings, type TrainingRun } from '../../lib/contracts/training';
import { AllInOneInstance } from '../helpers/all-in-one';
import { generate, waitForGeneration } from '../helpers/generation';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from '../helpers/training';

/**
 * Rows never outlive their workflows (Temporal is the truth of a job's life): a workflow an operator terminates, one
 * Temporal lost, one that never started because the API died between its row and its start — each row ends with
 * the reason, and the character can train again.
 */
describe('jobs whose workflow ended without them', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { RECONCILE_EVERY_SECONDS: '1', GPU_LOST_AFTER_SECONDS: '60', ISENGARD_SIM_STEP_MS: '50' } });
    await stack.startGpuWorker('gpu-orphans');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const health = async () => (await request<Health>(stack, '/api/health')).body;

  it('terminated by an operator in the Temporal UI: the run and the generation behind it end with that reason, the GPU is free again', async () => {
    const character = await characterWithPhotos(stack, 'Terminated', 2);
    const run = await startTraining(stack, character.id, { steps: 5000, saveEvery: 1000, sampleEvery: 5000 });
    await waitForTraining(stack, run.id, (r) => r.phase === 'training' && r.step > 5);
    const waiting = await generate(stack, { prompt: 'behind the training', steps: 4, seed: 5 });
    await waitForGeneration(stack, waiting.id, (g) => g.waitingFor !== null);

    await stack.plane.temporal.workflow.getHandle(run.workflowId).terminate('maintenance of the pod');
    await stack.plane.temporal.workflow.getHandle(waiting.workflowId).terminate();
    const ended = await waitForTraining(stack, run.id, finished, 30_000, 'the terminated run to end');
    expect(ended).toMatchObject({ status: 'failed', phase: 'done', error: { code: 'terminated', message: 'Ended by an operator in the Temporal UI (reason: maintenance of the pod)' } });
    expect(ended.events.at(-1)!.message).toBe('Ended by an operator in the Temporal UI (reason: maintenance of the pod)');
    const generation = await waitForGeneration(stack, waiting.id, undefined, 30_000);
    expect(generation).toMatchObject({ status: 'failed', error: { code: 'terminated', message: expect.stringMatching(/^Ended by an operator in the Temporal UI/) } });

    // Its engine stopped (the activity's next heartbeat was refused) and the GPU worker freed the slot.
    await eventually(async () => ((await health()).gpuWorkers[0]?.jobs.length === 0 ? true : undefined), 30_000, 'the GPU slot to be free');
    const again = await startTraining(stack, character.id, { steps: 100, saveEvery: 50, sampleEvery: 1000 });
    expect((await waitForTraining(stack, again.id, finished, 60_000)).status).toBe('completed');
  });

  it('lost by Temporal (its data reset) while running: the run ends saying so', async () => {
    const character = await characterWithPhotos(stack, 'Forgotten', 2);
    const run = await startTraining(stack, character.id, { steps: 5000, saveEvery: 1000, sampleEvery: 5000 });
    await waitForTraining(stack, run.id, (r) => r.phase === 'training');
    await stack.plane.temporal.workflowService.deleteWorkflowExecution({
      namespace: stack.config.temporal.namespace,
      workflowExecution: { workflowId: run.workflowId },
    });
    const ended = await waitForTraining(stack, run.id, finished, 30_000, 'the lost run to end');
    expect(ended.error).toEqual({ code: 'workflow_lost', message: "Its workflow was lost: the job server's data was reset. Start it again." });
    await eventually(async () => ((await health()).gpuWorkers[0]?.jobs.length === 0 ? true : undefined), 30_000, 'the GPU slot to be free');
  });

  it('Stop and Cancel of a job whose workflow is missing close it at once', async () => {
    // Rows as an API that died before starting their workflows left them (the reconciler gives such young rows a
    // minute, in case their start is under way: the person's own Stop or Cancel does not wait).
    const character = await characterWithPhotos(stack, 'Orphan', 1);
    const run = await createTrainingRun(stack.db.db, { id: crypto.randomUUID(), characterId: character.id, preset: 'quick', advanced: {}, settings: resolveSettings('quick', {}) });
    const busy = await request(stack, `/api/characters/${character.id}/trainings`, { method: 'POST', body: { preset: 'quick' } });
    expect(busy.status).toBe(409);
    const stop = await request<TrainingRun>(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ status: 'stopped', phase: 'done' });
    expect(stop.body.events.at(-1)!.message).toMatch(/^Stopped\. Its workflow is missing: it never reached the job server/);
    expect((await request(stack, `/api/characters/${character.id}/trainings`, { method: 'POST', body: { preset: 'quick', advanced: { steps: 100 }, confirmFewPhotos: true } })).status).toBe(202);

    const params = resolveGenerationParams(generationInput.parse({ prompt: 'never started' }), null, () => 1);
    const generation = await createGeneration(stack.db.db, { id: crypto.randomUUID(), params, characterId: null });
    const cancel = await request<Generation>(stack, `/api/generations/${generation.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ status: 'cancelled', error: null });
  });
});

describe('the API killed between a run\'s row and its workflow', () => {
  const instance = new AllInOneInstance();
  beforeAll(async () => {
    await instance.prepare({ ISENGARD_SIM_STEP_MS: '40' });
    await instance.start();
  }, 180_000);
  afterAll(() => instance.cleanup());

  const post = (url: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${instance.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });

  it('the run ends at the restart, with the reason, and the character can train again', async () => {
    const character = (await (await post('/api/characters', { name: 'Interrupted' })).json()) as Character;
    const form = new FormData();
    const jpeg = await sharp({ create: { width: 800, height: 1000, channels: 3, background: { r: 40, g: 120, b: 90 } } })
      .composite([{ input: Buffer.from('<svg width="800" height="1000"><circle cx="400" cy="400" r="150" fill="white"/></svg>') }])
      .jpeg()
      .toBuffer();
    form.append('photos', new Blob([jpeg], { type: 'image/jpeg' }), 'photo.jpg');
    const upload = (await (await fetch(`${instance.url}/api/characters/${character.id}/photos`, { method: 'POST', body: form })).json()) as UploadPhotosResult;
    expect(upload.accepted).toHaveLength(1);
    // A plain shape has no face: kept anyway, so a training may start with it.
    const kept = await fetch(`${instance.url}/api/photos/${upload.accepted[0]!.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keepAnyway: true }),
    });
    expect(kept.status).toBe(200);

    // Temporal stops answering: the API inserts the run, then waits on the start it cannot make. Both die there (a
    // pod losing power, say): the start request never reaches a live Temporal.
    const temporalPid = Number(readFileSync(path.join(instance.root, 'data', 'temporal', 'dev-server.pid'), 'utf8'));
    process.kill(temporalPid, 'SIGSTOP');
    const controller = new AbortController();
    const starting = post(`/api/characters/${character.id}/trainings`, { preset: 'quick', confirmFewPhotos: true }, controller.signal).catch(() => undefined);
    const inserted = await eventually(async () => {
      const runs = (await (await fetch(`${instance.url}/api/characters/${character.id}/trainings`)).json()) as { items: TrainingRun[] };
      return runs.items[0];
    }, 30_000, 'the run to be inserted');
    expect(inserted.status).toBe('queued');
    const killed = instance.childPid('api', 'control plane');
    process.kill(killed, 'SIGKILL');
    process.kill(temporalPid, 'SIGKILL');
    controller.abort();
    await starting;
    // The supervisor restarts both; the control plane, as it starts, finds the run without a workflow.
    await eventually(async () => (instance.childPid('api', 'control plane') !== killed ? true : undefined), 60_000, 'a restarted control plane');
    const ended = await eventually(async () => {
      const res = await fetch(`${instance.url}/api/trainings/${inserted.id}`);
      const run = res.ok ? ((await res.json()) as TrainingRun) : undefined;
      return run && finished(run) ? run : undefined;
    }, 90_000, () => `the orphaned run to end; the all-in-one said:\n${instance.running[0]?.output().slice(-2000)}`);
    expect(ended.status).toBe('failed');
    expect(ended.error).toEqual({
      code: 'workflow_lost',
      message: "Its workflow is missing: it never reached the job server (Isengard stopped while starting it), or the job server's data was reset. Start it again.",
    });
    const again = await post(`/api/characters/${character.id}/trainings`, { preset: 'quick', advanced: { steps: 100 }, confirmFewPhotos: true });
    expect(again.status).toBe(202);
  }, 240_000);
});
