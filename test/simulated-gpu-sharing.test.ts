import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config';
import { readGpuState } from '../plugins/simulated-gpu/gpu-state';
import { generate, waitForGeneration } from './helpers/generation';
import { startTestStack, type TestStack } from './helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from './helpers/training';

/**
 * One GPU worker's two simulated engines share one simulated 24 GB card (plugins/simulated-gpu): after a generation
 * ComfyUI holds the FLUX weights, and the trainer does not fit beside them (its own test shows it running out of
 * memory then). A training after a generation succeeds because the worker asks ComfyUI to free its memory first.
 */
describe('a training after a generation on the same GPU worker (simulated engines, one simulated card)', () => {
  let stack: TestStack;
  let stateFile: string;
  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '10' } });
    await stack.startGpuWorker('gpu-shared');
    stateFile = loadConfig({ ...stack.env, GPU_WORKER_ID: 'gpu-shared' }).simulatorEnv.ISENGARD_SIM_GPU_STATE!;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const comfyui = () => readGpuState(stateFile).comfyui!;

  it('frees ComfyUI’s memory before training, so the trainer fits; the next generation loads the model again', async () => {
    const first = await generate(stack, { prompt: 'a lighthouse at dusk', steps: 4, seed: 3 });
    expect((await waitForGeneration(stack, first.id)).status).toBe('completed');
    // The model stays loaded after the generation: a trainer started now would not fit.
    expect(comfyui()).toMatchObject({ baseModel: 'flux1-dev', charged: { coldStarts: 1, baseModelLoads: 1 } });
    expect(comfyui().vramHeldBytes).toBeGreaterThan(0);

    const ada = await characterWithPhotos(stack, 'Ada', 2);
    const run = await waitForTraining(stack, (await startTraining(stack, ada.id, { steps: 100, saveEvery: 50, sampleEvery: 1000 })).id, finished);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    expect(run.events.map((e) => e.message).join('\n')).not.toMatch(/memory/i);
    expect(comfyui()).toMatchObject({ baseModel: null, vramHeldBytes: 0 });

    const second = await generate(stack, { prompt: 'a lighthouse at dawn', steps: 4, seed: 4 });
    expect((await waitForGeneration(stack, second.id)).status).toBe('completed');
    expect(comfyui()).toMatchObject({ baseModel: 'flux1-dev', charged: { coldStarts: 1, baseModelLoads: 2 } });
  });
});
