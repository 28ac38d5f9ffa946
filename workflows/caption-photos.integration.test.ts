import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asControlActivities } from '../activities/control';
import type { CaptionPhotosInput as GpuInput } from '../activities/gpu/caption';
import { CONTROL_QUEUE } from '../lib/temporal/queues';
import { leaseOf, withStubWorkers, workflowEnvironment, type StubWorkers } from '../test/helpers/workflow-env';
import { CAPTION_BATCH, captionPhotos } from './caption-photos';

/**
 * `captionPhotos` as it runs in production (the bundle, the real dev server), with stub activities: plan → acquire a
 * GPU → caption batch by batch, recording each → give the GPU back, and the ways it can end.
 */
const FAST = { scheduleToStart: '1 second', heartbeat: '2 seconds', startToClose: '1 minute' } as const;

const photos = (n: number) => Array.from({ length: n }, (_, i) => ({ photoId: `p${i}`, filePath: `uploads/p${i}.jpg`, width: 10, height: 10, faceBox: null }));

interface Overrides {
  photos?: number;
  /** By worker id: how that worker's captioner behaves (default: captions every photo). */
  caption?: Record<string, (input: GpuInput) => Promise<Array<{ photoId: string; caption: string }>>>;
  workers?: string[];
}

const captionAll = async (input: GpuInput) => input.photos.map((p) => ({ photoId: p.photoId, caption: `caption of ${p.photoId}` }));

function stubs(over: Overrides, calls: string[]): StubWorkers {
  const workers = over.workers ?? ['gpu-a'];
  let acquired = 0;
  return {
    control: asControlActivities(undefined, {
      captionJobStarted: async () => {
        calls.push('started');
        return { style: 'short' as const, explicit: false, triggerWord: 'x', photos: photos(over.photos ?? 6) };
      },
      captionsWritten: async (input: { captions: Array<{ photoId: string }> }) => {
        calls.push(`record:${input.captions.map((c) => c.photoId).join(',')}`);
        return input.captions.length;
      },
      captionJobFinished: async (input: { status: string; message: string | null }) => void calls.push(`finished:${input.status}${input.message ? `:${input.message}` : ''}`),
    }),
    acquire: async () => {
      const workerId = workers[Math.min(acquired++, workers.length - 1)]!;
      calls.push(`acquired:${workerId}`);
      return leaseOf(workerId);
    },
    pinned: Object.fromEntries(
      workers.map((workerId) => [
        workerId,
        {
          releaseGpu: async () => void calls.push(`released:${workerId}`),
          captionPhotos: async (input: GpuInput) => {
            calls.push(`caption@${workerId}:${input.photos.length}`);
            return (over.caption?.[workerId] ?? captionAll)(input);
          },
        },
      ]),
    ),
  };
}

describe('captionPhotos, with stub activities on the real server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await workflowEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(over: Overrides, act?: (handle: Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>, calls: string[]) => Promise<void>) {
    const calls: string[] = [];
    const handle = await withStubWorkers(env, stubs(over, calls), async () => {
      const jobId = randomUUID();
      const h = await env.client.workflow.start(captionPhotos, { taskQueue: CONTROL_QUEUE, workflowId: `captions-${jobId}`, args: [{ jobId, gpuTimeouts: FAST }] });
      await act?.(h, calls);
      await h.result().catch((err: unknown) => expect(err).toBeInstanceOf(WorkflowFailedError));
      return h;
    });
    return { calls, status: (await handle.describe()).status.name };
  }

  it('captions in batches on one GPU, recording each batch as it comes, then gives the GPU back', async () => {
    expect(CAPTION_BATCH).toBe(4);
    expect(await run({ photos: 6 })).toEqual({
      calls: ['started', 'acquired:gpu-a', 'caption@gpu-a:4', 'record:p0,p1,p2,p3', 'caption@gpu-a:2', 'record:p4,p5', 'released:gpu-a', 'finished:completed'],
      status: 'COMPLETED',
    });
  });

  it('nothing to caption (every caption written by the user): completes without taking a GPU', async () => {
    expect(await run({ photos: 0 })).toEqual({ calls: ['started', 'finished:completed'], status: 'COMPLETED' });
  });

  it('a worker lost mid-job: the batches recorded stay, the rest is captioned on another worker', async () => {
    let second = false;
    const silentOnSecondBatch = async (input: GpuInput) => {
      if (!second) {
        second = true;
        return captionAll(input);
      }
      // Silent past the heartbeat timeout (2 s), as a frozen worker: its late answer no longer counts.
      await new Promise((r) => setTimeout(r, 4_000));
      return captionAll(input);
    };
    const outcome = await run({ photos: 6, workers: ['gpu-a', 'gpu-b'], caption: { 'gpu-a': silentOnSecondBatch } });
    expect(outcome.status).toBe('COMPLETED');
    // The silent attempts are retried on the same worker (its retry policy) before the job moves.
    const distinct = outcome.calls.filter((call, i) => call !== outcome.calls[i - 1]);
    expect(distinct).toEqual([
      'started',
      'acquired:gpu-a',
      'caption@gpu-a:4',
      'record:p0,p1,p2,p3',
      'caption@gpu-a:2',
      'acquired:gpu-b',
      'caption@gpu-b:2',
      'record:p4,p5',
      'released:gpu-b',
      'finished:completed',
    ]);
  });

  it('cancelled while the engine runs: the engine stops, the GPU is given back, the recorded batches stay', async () => {
    let batches = 0;
    const slowSecondBatch = async (input: GpuInput) => {
      if (batches++ === 0) return captionAll(input);
      const context = Context.current();
      for (;;) {
        heartbeat({ done: 0 });
        await context.sleep(100);
      }
    };
    const outcome = await run({ photos: 6, caption: { 'gpu-a': slowSecondBatch } }, async (handle, calls) => {
      await expect.poll(() => calls.includes('caption@gpu-a:2'), { timeout: 10_000 }).toBe(true);
      await handle.cancel();
    });
    expect(outcome).toEqual({
      calls: ['started', 'acquired:gpu-a', 'caption@gpu-a:4', 'record:p0,p1,p2,p3', 'caption@gpu-a:2', 'released:gpu-a', 'finished:cancelled'],
      status: 'CANCELLED',
    });
  });

  it('an engine failure that no retry mends ends the job failed, with its reason', async () => {
    const oom = async () => {
      throw ApplicationFailure.create({ message: 'The captioner ran out of GPU memory.', type: 'oom', nonRetryable: true });
    };
    const outcome = await run({ photos: 2, caption: { 'gpu-a': oom } });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.calls.slice(0, 3)).toEqual(['started', 'acquired:gpu-a', 'caption@gpu-a:2']);
    expect(outcome.calls.at(-2)).toBe('released:gpu-a');
    expect(outcome.calls.at(-1)).toMatch(/^finished:failed:.*ran out of GPU memory/);
  });
});
