import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthSchema, type Health } from '../../lib/contracts/health';
import { activityStarts } from '../helpers/activity-starts';
import { generate, waitForGeneration } from '../helpers/generation';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from '../helpers/training';

/** What gpu_probe.py prints under a torch built for the CPU only (a wrong wheel in the engine's environment). */
const CPU_ONLY_TORCH = {
  python: '3.12.3',
  torch: '2.5.1+cpu',
  torch_error: null,
  cuda_build: null,
  cuda_available: false,
  cuda_error: null,
  device: null,
  total_bytes: null,
  free_bytes: null,
};

const REASON = 'torch 2.5.1+cpu was built without CUDA, so it can only use the CPU.';

/**
 * A GPU worker whose engines' Python has a CPU-only torch: health and the System page say so, and both kinds of
 * job fail at once, not retried, with the reason and what to do.
 */
describe('a GPU worker that cannot use its GPU', () => {
  let stack: TestStack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isengard-no-cuda-'));
    const python = path.join(dir, 'python');
    writeFileSync(python, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.12.3"; exit 0; fi\necho '${JSON.stringify(CPU_ONLY_TORCH)}'\n`);
    chmodSync(python, 0o755);
    stack = await startTestStack();
    // The real adapters with that Python: ai-toolkit's CLI from the simulator's folder, and a ComfyUI checkout that
    // is not there (so the worker does not start one); the probe runs before either engine would.
    await stack.startGpuWorker('gpu-nocuda', {
      AITOOLKIT_PATH: 'plugins/training/ai-toolkit/simulator',
      AITOOLKIT_PYTHON: python,
      COMFYUI_PATH: dir,
      COMFYUI_PYTHON: python,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('health is degraded and names the worker, the engines, the reason and the fix', async () => {
    const health = await eventually(async () => {
      const { body } = await request<Health>(stack, '/api/health');
      return body.gpuWorkers[0]?.gpu?.state === 'unusable' ? healthSchema.parse(body) : undefined;
    });
    expect(health.status).toBe('degraded');
    expect(health.checks.gpu.ok).toBe(false);
    expect(health.checks.gpu.message).toMatch(new RegExp(`^GPU worker gpu-nocuda cannot use its GPU for ai-toolkit: ${escape(REASON)} Recreate ai-toolkit's environment`));
    expect(health.checks.gpu.message).toContain(`Also for ComfyUI: ${REASON} Recreate ComfyUI's environment`);
    expect(health.gpuWorkers[0]!.gpu).toMatchObject({
      state: 'unusable',
      device: null,
      cpuAllowed: false,
      probes: [
        { engine: 'ai-toolkit', state: 'unusable', python: '3.12.3', torch: '2.5.1+cpu', cuda: null },
        { engine: 'comfyui', state: 'unusable', torch: '2.5.1+cpu', cuda: null },
      ],
    });
  });

  it('a training fails at once, not retried, with the reason', async () => {
    const character = await characterWithPhotos(stack, 'Grace', 2);
    const run = await startTraining(stack, character.id, { steps: 100, saveEvery: 50, sampleEvery: 1000 });
    const done = await waitForTraining(stack, run.id, finished);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('gpu_unusable');
    expect(done.error?.message).toBe(
      `The GPU worker gpu-nocuda cannot use its GPU for ai-toolkit: ${REASON} Recreate ai-toolkit's environment with a CUDA build of torch (scripts/engines/create-env ai-toolkit --recreate), then restart the GPU worker.`,
    );
    expect(done.step).toBe(0);
    expect(await activityStarts(stack, done.workflowId, 'runTraining')).toBe(1);
  });

  it('a generation fails at once, not retried, with the reason', async () => {
    const generation = await generate(stack, { prompt: 'a lighthouse at dusk', steps: 4 });
    const done = await waitForGeneration(stack, generation.id);
    expect(done.status).toBe('failed');
    expect(done.error).toEqual({
      code: 'gpu_unusable',
      message: `The GPU worker gpu-nocuda cannot use its GPU for ComfyUI: ${REASON} Recreate ComfyUI's environment with a CUDA build of torch (scripts/engines/create-env comfyui --recreate), then restart the GPU worker.`,
    });
    expect(await activityStarts(stack, done.workflowId, 'generateImages')).toBe(1);
  });
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
