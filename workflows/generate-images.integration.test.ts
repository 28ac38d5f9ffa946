import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asControlActivities } from '../activities/control';
import { GPU_BUSY } from '../lib/temporal/gpu-contracts';
import { CONTROL_QUEUE } from '../lib/temporal/queues';
import { leaseOf, withStubWorkers, workflowEnvironment, type StubWorkers } from '../test/helpers/workflow-env';
import { generateImages } from './generate-images';
import { MAX_WORKER_MOVES } from './gpu-pinning';

/**
 * `generateImages` and the GPU pinning under it (withPinnedGpu), as they run in production (the bundle, the real dev
 * server), with stub activities: acquire → generate on the pinned worker → record, and every way it can end.
 */
const FAST = { scheduleToStart: '1 second', heartbeat: '2 seconds', startToClose: '1 minute' } as const;
const IMAGE = { index: 0, filePath: 'outputs/x/01.png', width: 64, height: 64, seed: 1, sizeBytes: 10, sha256: 'a'.repeat(64) };

interface Overrides {
  acquire?: StubWorkers['acquire'];
  generate?: (input: unknown) => Promise<unknown>;
  /** The record's answer; `cancelled` comes with the cancel request the API sends the workflow right after. */
  record?: 'completed' | 'cancelled';
  dead?: boolean;
}

function stubs(env: TestWorkflowEnvironment, over: Overrides, calls: string[]): StubWorkers {
  return {
    control: asControlActivities(undefined, {
      generationOnWorker: async (input: { workerId: string }) => void calls.push(`running:${input.workerId}`),
      generationCompleted: async (input: { images: unknown[] }) => {
        calls.push(`record:${input.images.length}`);
        if (over.record === 'cancelled') await env.client.workflow.getHandle(Context.current().info.workflowExecution!.workflowId).cancel();
        return over.record ?? 'completed';
      },
      generationFinished: async (input: { status: string; code: string; message: string }) =>
        void calls.push(`finished:${input.status}:${input.code}:${input.message}`),
    }),
    acquire:
      over.acquire ??
      (async () => {
        calls.push('acquired');
        return leaseOf('gpu-a');
      }),
    pinned: over.dead
      ? {}
      : {
          'gpu-a': {
            releaseGpu: async () => void calls.push('released'),
            generateImages:
              over.generate ??
              (async () => {
                calls.push('generated');
                return [IMAGE];
              }),
          },
        },
  };
}

describe('generateImages and its GPU pinning, with stub activities on the real server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await workflowEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const start = (generationId = randomUUID()) =>
    env.client.workflow.start(generateImages, {
      taskQueue: CONTROL_QUEUE,
      workflowId: `generation-${generationId}`,
      args: [{ generationId, params: {} as never, gpuTimeouts: FAST }],
    });

  /** Runs a generation to its end under `over`; answers its calls and how Temporal closed it. */
  async function run(over: Overrides, act?: (handle: Awaited<ReturnType<typeof start>>, calls: string[]) => Promise<void>) {
    const calls: string[] = [];
    const handle = await withStubWorkers(env, stubs(env, over, calls), async () => {
      const h = await start();
      await act?.(h, calls);
      await h.result().catch((err: unknown) => expect(err).toBeInstanceOf(WorkflowFailedError));
      return h;
    });
    return { calls, status: (await handle.describe()).status.name };
  }

  it('acquires a GPU, says it runs, generates there, gives the GPU back, records the images', async () => {
    expect(await run({})).toEqual({ calls: ['acquired', 'running:gpu-a', 'generated', 'released', 'record:1'], status: 'COMPLETED' });
  });

  it('cancelled while waiting for a GPU: ends cancelled at once, with no slot to give back', async () => {
    const busy = async () => {
      throw ApplicationFailure.retryable('busy', GPU_BUSY);
    };
    const outcome = await run({ acquire: busy }, async (handle) => void (await handle.cancel()));
    expect(outcome).toEqual({ calls: ['finished:cancelled:cancelled:Cancelled'], status: 'CANCELLED' });
  });

  it('cancelled while an acquire attempt is under way: that attempt\'s "busy" answer still ends it cancelled', async () => {
    let cancelSent!: () => void;
    const sent = new Promise<void>((resolve) => (cancelSent = resolve));
    let attempts = 0;
    const busyAfterCancel = async () => {
      attempts++;
      await sent;
      throw ApplicationFailure.retryable('busy', GPU_BUSY);
    };
    const outcome = await run({ acquire: busyAfterCancel }, async (handle) => {
      await expect.poll(() => attempts, { timeout: 10_000 }).toBe(1);
      await handle.cancel();
      cancelSent();
    });
    expect(outcome).toEqual({ calls: ['finished:cancelled:cancelled:Cancelled'], status: 'CANCELLED' });
  });

  it('cancelled while the engine runs: the engine is interrupted, the GPU given back, nothing recorded', async () => {
    const interrupted: string[] = [];
    const generate = async () => {
      const context = Context.current();
      context.cancellationSignal.addEventListener('abort', () => interrupted.push('engine interrupted'));
      for (;;) {
        heartbeat({ progress: 0.5 });
        await context.sleep(100);
      }
    };
    const outcome = await run({ generate }, async (handle, calls) => {
      await expect.poll(() => calls.includes('running:gpu-a'), { timeout: 10_000 }).toBe(true);
      await handle.cancel();
    });
    expect(outcome).toEqual({ calls: ['acquired', 'running:gpu-a', 'released', 'finished:cancelled:cancelled:Cancelled'], status: 'CANCELLED' });
    // The activity hears of the cancel in the answer to its next heartbeat, which a busy machine may delay past the
    // workflow's end.
    await expect.poll(() => interrupted, { timeout: 10_000 }).toEqual(['engine interrupted']);
  });

  it('cancelled after the engine finished, before the record: ends cancelled, its images not kept', async () => {
    const outcome = await run({ record: 'cancelled' });
    expect(outcome).toEqual({ calls: ['acquired', 'running:gpu-a', 'generated', 'released', 'record:1', 'finished:cancelled:cancelled:Cancelled'], status: 'CANCELLED' });
  });

  it('an engine error ends it failed with the reason, and the GPU is given back', async () => {
    const generate = async () => {
      throw ApplicationFailure.nonRetryable('The model file flux1-dev.safetensors is missing', 'missing_model');
    };
    const outcome = await run({ generate });
    expect(outcome).toEqual({
      calls: ['acquired', 'running:gpu-a', 'released', 'finished:failed:missing_model:The model file flux1-dev.safetensors is missing'],
      status: 'FAILED',
    });
  });

  it(`its GPU worker lost each time: it moves ${MAX_WORKER_MOVES} times, then fails saying so`, async () => {
    const outcome = await run({ dead: true });
    expect(outcome.calls.filter((c) => c === 'acquired')).toHaveLength(MAX_WORKER_MOVES);
    expect(outcome.calls.at(-1)).toBe(
      `finished:failed:GpuWorkersLost:The GPU worker was lost ${MAX_WORKER_MOVES} times in a row; the job stopped moving to another one`,
    );
    expect(outcome.status).toBe('FAILED');
  });
});
