import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Generation } from '../../lib/contracts/generations';
import { generate, generationDone, waitForGeneration } from '../helpers/generation';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('the image engine failing mid-prompt', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  async function withFault(fault: string): Promise<Generation> {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '20' } });
    await stack.startGpuWorker('gpu-faulty', { ISENGARD_SIM_COMFY_FAULT: fault });
    return waitForGeneration(stack, (await generate(stack, { prompt: `fault ${fault}`, seed: 5, steps: 10 })).id, generationDone, 90_000);
  }

  it('ComfyUI killed mid-prompt: restarted, retried and completed, never stuck', { timeout: 120_000 }, async () => {
    const crashed = await withFault('crash@3');
    expect(crashed.error).toBeNull();
    expect(crashed.status).toBe('completed');
    expect(crashed.outputs).toHaveLength(1);
  });

  it('the WebSocket dropped mid-prompt: followed to the end through /history', async () => {
    const dropped = await withFault('dropws@4');
    expect(dropped.error).toBeNull();
    expect(dropped.status).toBe('completed');
  });

  it('a runtime error inside ComfyUI fails the generation with a reason a person understands', async () => {
    const failed = await withFault('error@2');
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ code: 'oom', message: 'The GPU ran out of memory while generating. Try a smaller size or a smaller batch.' });
  });

  it('a model file replaced by a damaged one: read again (not served from the cache) and named', async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '20' } });
    await stack.startGpuWorker('gpu-models');
    const before = await waitForGeneration(stack, (await generate(stack, { prompt: 'before the download', seed: 5, steps: 2 })).id, generationDone, 90_000);
    expect(before.status).toBe('completed');
    // A download cut short, saved where ComfyUI looks first: ComfyUI has the earlier file loaded under that name.
    const vae = path.join(path.dirname(stack.config.storage.loras), 'base', 'vae', 'ae.safetensors');
    mkdirSync(path.dirname(vae), { recursive: true });
    writeFileSync(vae, '<html>502 Bad Gateway</html>');
    const failed = await waitForGeneration(stack, (await generate(stack, { prompt: 'after the download', seed: 6, steps: 2 })).id, generationDone, 90_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({
      code: 'corrupt_model',
      message: 'The VAE file ae.safetensors is damaged or incomplete (Error while deserializing header: header too large): download it again on the Models page.',
    });
  });
});
