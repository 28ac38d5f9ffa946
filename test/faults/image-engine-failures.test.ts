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
});
