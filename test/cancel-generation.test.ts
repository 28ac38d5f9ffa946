import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { Generation } from '../lib/contracts/generations';
import { generate, waitForGeneration } from './helpers/generation';
import { request } from './helpers/http';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * Cancel at any moment of a generation — waiting behind another one, taking a GPU, running in the engine, saving its
 * images — ends it `cancelled`, with no image kept and the GPU free for the next one. GPU workers here count as lost
 * only after a minute, as in production: a cancel must not depend on a short heartbeat timeout to arrive.
 */
describe('cancelling a generation at any moment', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { GPU_LOST_AFTER_SECONDS: '60', ISENGARD_SIM_COMFY_STEP_MS: '40' } });
    await stack.startGpuWorker('gpu-cancel');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Asks to cancel; answers how long the generation took to end after the answer, and how it ended. */
  async function cancel(id: string): Promise<{ accepted: boolean; ended: Generation; seconds: number }> {
    const answer = await request<Generation & ApiErrorBody>(stack, `/api/generations/${id}/cancel`, { method: 'POST' });
    const asked = Date.now();
    if (answer.status === 409) return { accepted: false, ended: await waitForGeneration(stack, id), seconds: 0 };
    expect(answer.status).toBe(202);
    expect(answer.body.cancelRequestedAt).not.toBeNull();
    const ended = await waitForGeneration(stack, id, undefined, 30_000);
    return { accepted: true, ended, seconds: (Date.now() - asked) / 1000 };
  }

  function expectCancelled({ ended }: { ended: Generation }) {
    expect(ended.status).toBe('cancelled');
    expect(ended.outputs).toEqual([]);
    expect(existsSync(path.join(stack.config.storage.outputs, ended.id))).toBe(false);
  }

  /** The GPU is free: the next generation starts and completes. */
  async function nextOneRuns() {
    const next = await generate(stack, { prompt: 'the next one', steps: 2, seed: 99 });
    expect((await waitForGeneration(stack, next.id, undefined, 30_000)).status).toBe('completed');
  }

  it('while it runs in the engine: the prompt is interrupted, nothing kept, and the GPU takes the next job', async () => {
    const generation = await generate(stack, { prompt: 'a long one', steps: 150, seed: 1, batch: 2 });
    await waitForGeneration(stack, generation.id, (g) => g.status === 'running' && g.progress > 0.05);
    const outcome = await cancel(generation.id);
    expectCancelled(outcome);
    await nextOneRuns();
  });

  it('while it waits behind another generation, and as soon as it was submitted', async () => {
    const first = await generate(stack, { prompt: 'holds the GPU', steps: 60, seed: 2 });
    await waitForGeneration(stack, first.id, (g) => g.status === 'running');
    const queued = await generate(stack, { prompt: 'waits its turn', steps: 4, seed: 3 });
    expect((await request<Generation>(stack, `/api/generations/${queued.id}`)).body.status).toBe('queued');
    expectCancelled(await cancel(queued.id));
    expectCancelled(await cancel(first.id));

    const immediate = await generate(stack, { prompt: 'never mind', steps: 60, seed: 4 });
    expectCancelled(await cancel(immediate.id));
    await nextOneRuns();
  });

  it('at random moments from submission to its end: cancelled whenever the cancel came before it completed', async () => {
    const seconds: number[] = [];
    // 12 steps of 40 ms plus saving: about half a second in the engine; cancels spread over a second from submission.
    for (let i = 0; i < 10; i++) {
      const generation = await generate(stack, { prompt: `moment ${i}`, steps: 12, seed: 100 + i, batch: 2 });
      await new Promise((r) => setTimeout(r, (i * 997) % 1_100)); // the moment of the cancel is what varies here
      const outcome = await cancel(generation.id);
      if (outcome.accepted) {
        expectCancelled(outcome);
        seconds.push(outcome.seconds);
      } else {
        // The cancel came after the end: it completed, with every image.
        expect(outcome.ended.status).toBe('completed');
        expect(outcome.ended.outputs).toHaveLength(2);
      }
    }
    expect(seconds.length).toBeGreaterThan(0);
    await nextOneRuns();
    // For the record; the benchmark measures the latency (npm run bench -- cancel).
    process.stdout.write(`cancel → cancelled: ${seconds.map((s) => s.toFixed(2)).join(', ')} s\n`);
  });
});
