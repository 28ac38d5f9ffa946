import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { Lora } from '../lib/contracts/loras';
import type { Checkpoint, TrainingRun } from '../lib/contracts/training';
import { request } from './helpers/http';
import { startTestStack, type TestStack } from './helpers/stack';
import { MAX_KEPT_CHECKPOINTS } from '../plugins/training/ai-toolkit/job-config';
import { characterWithPhotos, finished, startTraining, waitForTraining } from './helpers/training';

/**
 * Stop and Save now against the simulated trainer, with GPU workers counted lost only after a minute, as in
 * production (a Stop must not depend on a short heartbeat timeout to reach the engine).
 */
describe('Stop and Save now', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { GPU_LOST_AFTER_SECONDS: '60', ISENGARD_SIM_STEP_MS: '100' } });
    await stack.startGpuWorker('gpu-stop');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('Stop reaches the engine within a step or so: it saves there, exits, and the run keeps that checkpoint', async () => {
    const character = await characterWithPhotos(stack, 'Stopper', 2);
    const run = await startTraining(stack, character.id, { steps: 2000, saveEvery: 1000, sampleEvery: 5000 });
    await waitForTraining(stack, run.id, (r) => r.phase === 'training' && r.step >= 30, 60_000, 'training past step 30');
    const asked = Date.now();
    const stop = await request<TrainingRun>(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ status: 'running', phase: 'stopping', stopRequestedAt: expect.any(String) });
    const stoppedAt = stop.body.step;

    // The step stops counting the moment the stop is asked for.
    const stopping = await waitForTraining(stack, run.id, (r) => r.events.some((e) => e.kind === 'checkpoint_kept') || finished(r), 60_000);
    expect(stopping.step).toBe(stoppedAt);
    const done = await waitForTraining(stack, run.id, finished, 60_000);
    const seconds = (Date.now() - asked) / 1000;
    expect(done).toMatchObject({ status: 'stopped', step: stoppedAt, itPerSec: null, etaSeconds: null });
    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    // Saved when the engine heard of the stop: at 100 ms a step, within 2 s of steps of the request (it used to run
    // on for the heartbeat throttle, 48 s at this heartbeat timeout).
    expect(lora.steps).toBeGreaterThanOrEqual(stoppedAt);
    expect(lora.steps).toBeLessThanOrEqual(stoppedAt + 20);
    expect(done.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['checkpoint_kept', 'lora', 'stopped']));
    expect(done.events.at(-1)!.message).toBe(`Stopped; the checkpoint at step ${lora.steps} was kept as a LoRA`);
    process.stdout.write(`stop → stopped: ${seconds.toFixed(2)} s; asked at step ${stoppedAt}, saved at step ${lora.steps}\n`);

    // Asked again, or save-now after it ended: refused, and the character can train again.
    expect((await request<ApiErrorBody>(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' })).status).toBe(409);
    expect((await request<ApiErrorBody>(stack, `/api/trainings/${run.id}/save-now`, { method: 'POST' })).status).toBe(409);
    const again = await startTraining(stack, character.id, { steps: 100, saveEvery: 50, sampleEvery: 1000 });
    await waitForTraining(stack, again.id, finished, 60_000);
  });

  it('a checkpoint saved on request outlives the engine pruning old saves, shows in the timeline, downloads, and becomes a LoRA', async () => {
    const character = await characterWithPhotos(stack, 'Keeper', 2);
    // Saves every 50 steps, 21 times; the engine keeps the newest 20 step saves (MAX_KEPT_CHECKPOINTS), so step 50 is
    // pruned by the end. No sample prompts: this is about checkpoints.
    const run = await startTraining(stack, character.id, { steps: 1100, saveEvery: 50, sampleEvery: 5000, samplePrompts: [] });
    await waitForTraining(stack, run.id, (r) => r.phase === 'training' && r.step >= 15 && r.step < 40, 60_000, 'training between steps 15 and 40');
    expect((await request(stack, `/api/trainings/${run.id}/save-now`, { method: 'POST' })).status).toBe(202);
    const saved = await waitForTraining(stack, run.id, (r) => r.events.some((e) => e.kind === 'checkpoint_kept'), 60_000, 'the kept checkpoint');
    const keptStep = Number(/step (\d+)/.exec(saved.events.find((e) => e.kind === 'checkpoint_kept')!.message)![1]);
    expect(keptStep).toBeLessThan(50);
    // 1,100 steps of 100 ms: about two minutes on an idle machine, more on a busy one.
    const done = await waitForTraining(stack, run.id, finished, 330_000);
    expect(done.status).toBe('completed');

    const list = async () => (await request<{ items: Checkpoint[] }>(stack, `/api/trainings/${run.id}/checkpoints`)).body.items;
    const checkpoints = await list();
    expect(checkpoints.map((c) => [c.step, c.final, c.kept])).toEqual([
      [keptStep, false, true],
      ...Array.from({ length: MAX_KEPT_CHECKPOINTS }, (_, i) => [100 + 50 * i, false, false]),
      [1100, true, false],
    ]);
    expect(checkpoints.find((c) => c.final)!.loraId).toBe(done.loraId);
    const download = await fetch(`${stack.plane.url}${checkpoints[0]!.url}`);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(0);

    const made = await request<Lora>(stack, `/api/trainings/${run.id}/checkpoints/${keptStep}/lora`, { method: 'POST' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ trainingRunId: run.id, steps: keptStep, version: 2 });
    const again = await request<Lora>(stack, `/api/trainings/${run.id}/checkpoints/${keptStep}/lora`, { method: 'POST' });
    expect([again.status, again.body.id]).toEqual([200, made.body.id]);
    expect((await list())[0]!.loraId).toBe(made.body.id);
    // The run's own model stays the most trained one.
    expect((await request<TrainingRun>(stack, `/api/trainings/${run.id}`)).body.loraId).toBe(done.loraId);
    // A deleted LoRA (its file removed) comes back, file and all, when its checkpoint is turned into a LoRA again.
    expect((await request(stack, `/api/loras/${made.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await list())[0]!.loraId).toBeNull();
    const back = await request<Lora>(stack, `/api/trainings/${run.id}/checkpoints/${keptStep}/lora`, { method: 'POST' });
    expect([back.status, back.body.id]).toEqual([200, made.body.id]);
    expect((await fetch(`${stack.plane.url}${back.body.downloadUrl}`)).status).toBe(200);
    const missing = await request<ApiErrorBody>(stack, `/api/trainings/${run.id}/checkpoints/123/lora`, { method: 'POST' });
    expect([missing.status, missing.body.error.message]).toEqual([404, 'Checkpoint was not found']);
  }, 420_000);
});
