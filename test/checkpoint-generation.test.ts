import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { Character } from '../lib/contracts/characters';
import type { TrainingRun } from '../lib/contracts/training';
import { readPngText } from '../lib/png-text';
import { generate, waitForGeneration } from './helpers/generation';
import { request } from './helpers/http';
import { startTestStack, type TestStack } from './helpers/stack';
import { characterWithPhotos, finished as trainingFinished, startTraining, waitForTraining } from './helpers/training';

interface Checkpoints {
  items: Array<{ step: number; final: boolean; kept: boolean; url: string; loraId: string | null }>;
}

/** A generation with a training run's checkpoint instead of a registered LoRA: validated, recorded, loaded. */
describe('generating with a checkpoint of a training run (simulated engines)', () => {
  let stack: TestStack;
  let ada: Character;
  let run: TrainingRun;
  let checkpoints: Checkpoints['items'];
  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '10' } });
    await stack.startGpuWorker('gpu-ckpt');
    ada = await characterWithPhotos(stack, 'Ada', 2);
    run = await waitForTraining(stack, (await startTraining(stack, ada.id, { steps: 100, saveEvery: 50, sampleEvery: 1000 })).id, trainingFinished);
    checkpoints = (await request<Checkpoints>(stack, `/api/trainings/${run.id}/checkpoints`)).body.items;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const refused = (body: Record<string, unknown>) => request<ApiErrorBody>(stack, '/api/generations', { method: 'POST', body });

  it('generates with a step checkpoint: recorded in the parameters and the picture, for the run’s character', async () => {
    const step = checkpoints.find((c) => !c.final)!;
    expect(step).toBeDefined();
    const generation = await generate(stack, { prompt: 'portrait by a window', checkpoint: { runId: run.id, step: step.step }, loraStrength: 0.8, characterId: ada.id, seed: 7, steps: 4 });
    expect(generation).toMatchObject({ characterId: ada.id, loraId: null });
    expect(generation.parameters.lora).toMatchObject({ id: null, strength: 0.8, checkpoint: { runId: run.id, step: step.step, final: false } });
    expect(generation.parameters.lora!.name).toContain(`step ${step.step}`);
    expect(generation.parameters.prompt).toBe(`${ada.triggerWord}, portrait by a window`);

    const finished = await waitForGeneration(stack, generation.id);
    expect(finished.error).toBeNull();
    expect(finished.status).toBe('completed');
    // ComfyUI loaded it through a link of its own in the LoRA folder.
    expect(readdirSync(path.join(stack.config.storage.loras, 'training-checkpoints', run.id))).toContain(path.basename(generation.parameters.lora!.fileName));
    const png = Buffer.from(await (await fetch(`${stack.plane.url}${finished.outputs[0]!.url}`)).arrayBuffer());
    expect(readPngText(png).parameters).toContain(`LoRA: ${generation.parameters.lora!.name}`);
  });

  it('generates with the final checkpoint', async () => {
    const generation = await generate(stack, { prompt: 'a walk on the beach', checkpoint: { runId: run.id, step: 'final' }, seed: 8, steps: 2 });
    expect(generation.parameters.lora?.checkpoint).toMatchObject({ runId: run.id, final: true });
    expect((await waitForGeneration(stack, generation.id)).status).toBe('completed');
  });

  it('refuses an unknown run, a run of another character, a checkpoint that is not there, and a LoRA with a checkpoint', async () => {
    const bob = await characterWithPhotos(stack, 'Bob', 1);
    const unknown = await refused({ prompt: 'x', checkpoint: { runId: '00000000-0000-4000-8000-000000000000', step: 50 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/No training run with this id/);

    const otherCharacter = await refused({ prompt: 'x', checkpoint: { runId: run.id, step: 'final' }, characterId: bob.id });
    expect(otherCharacter.status).toBe(400);
    expect(otherCharacter.body.error.message).toMatch(/belongs to another character/);

    const missing = await refused({ prompt: 'x', checkpoint: { runId: run.id, step: 7 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/no checkpoint at step 7.*its checkpoints: .*final/);

    const both = await refused({ prompt: 'x', checkpoint: { runId: run.id, step: 'final' }, loraId: run.loraId });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/a LoRA or a training checkpoint, not both/);

    const badStep = await refused({ prompt: 'x', checkpoint: { runId: run.id, step: 'latest' } });
    expect(badStep.status).toBe(400);
  });

  it('a checkpoint pruned while its generation waited for the GPU: the generation fails in plain words', async () => {
    const step = checkpoints.find((c) => !c.final && !c.kept)!;
    const busy = await generate(stack, { prompt: 'keeps the GPU busy', steps: 150, batch: 8 });
    await waitForGeneration(stack, busy.id, (g) => g.status === 'running');
    const waiting = await generate(stack, { prompt: 'a blue scarf', checkpoint: { runId: run.id, step: step.step }, steps: 2 });
    expect(waiting.status).toBe('queued');
    const file = path.join(stack.config.storage.root, waiting.parameters.lora!.fileName);
    const weights = readFileSync(file);
    rmSync(file); // what the trainer's pruning does
    await request(stack, `/api/generations/${busy.id}/cancel`, { method: 'POST' });
    const failed = await waitForGeneration(stack, waiting.id);
    writeFileSync(file, weights);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({
      code: 'missing_model',
      message: `The checkpoint at step ${step.step} of this training run no longer exists: the trainer keeps only the newest few. Choose another checkpoint, or keep one as a version so it stays.`,
    });
  });

  it('a checkpoint pruned after its generation: the re-run is refused in plain words', async () => {
    const step = checkpoints.find((c) => !c.final && !c.kept)!;
    const generation = await waitForGeneration(stack, (await generate(stack, { prompt: 'a red coat', checkpoint: { runId: run.id, step: step.step }, steps: 2 })).id);
    expect(generation.status).toBe('completed');
    rmSync(path.join(stack.config.storage.root, generation.parameters.lora!.fileName));
    const rerun = await request<ApiErrorBody>(stack, `/api/generations/${generation.id}/rerun`, { method: 'POST', body: {} });
    expect(rerun.status).toBe(409);
    expect(rerun.body.error.message).toMatch(/checkpoint of this generation no longer exists/);
    const again = await refused({ prompt: 'x', checkpoint: { runId: run.id, step: step.step } });
    expect(again.status).toBe(400);
  });
});
