import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../lib/logger/logger';
import { CONTROL_QUEUE, GPU_QUEUE } from '../lib/temporal/queues';
import { ensureNamespace, ensureSearchAttributes } from '../lib/temporal/setup';
import { generateImages } from '../workflows/generate-images';

/**
 * The real `generateImages` workflow on the real dev server, with activities that only record what they were
 * asked: a cancel that arrives while a GPU worker is taking its slot must still give the slot back, or the GPU
 * stays taken until the slot expires (minutes).
 */
describe('a generation cancelled while a GPU worker takes its slot', () => {
  const namespace = `test-${randomUUID().slice(0, 8)}`;
  const pinnedQueue = `${GPU_QUEUE}.test-${randomUUID().slice(0, 8)}`;
  const calls: string[] = [];
  let connection: NativeConnection;
  let client: Client;
  let workers: Worker[];
  let running: Promise<unknown>;

  beforeAll(async () => {
    const address = inject('temporalAddress');
    const logger = createLogger({ service: 'worker', level: 'ERROR' });
    const admin = await Connection.connect({ address });
    await ensureNamespace(admin, namespace, logger);
    await ensureSearchAttributes(admin, namespace, logger);
    client = new Client({ connection: admin, namespace });
    connection = await NativeConnection.connect({ address });
    const workflowBundle = { codePath: inject('workflowBundle') };
    const record = (name: string) => async (input: { jobId?: string; generationId?: string; status?: string }) => {
      calls.push(`${name}${input.status ? `:${input.status}` : ''}`);
    };
    workers = await Promise.all([
      Worker.create({
        connection,
        namespace,
        taskQueue: CONTROL_QUEUE,
        workflowBundle,
        activities: {
          generationOnWorker: record('running'),
          generationCompleted: record('completed'),
          generationFinished: record('finished'),
        },
      }),
      Worker.create({
        connection,
        namespace,
        taskQueue: GPU_QUEUE,
        activities: {
          // Takes a while to answer, as a worker does under load: the cancel comes meanwhile.
          acquireGpu: async () => {
            calls.push('acquired');
            await sleep(1_500);
            return { workerId: 'gpu-test', queue: pinnedQueue, identity: 'gpu-test' };
          },
        },
      }),
      Worker.create({
        connection,
        namespace,
        taskQueue: pinnedQueue,
        activities: { releaseGpu: record('released'), generateImages: async () => [] },
      }),
    ]);
    running = Promise.all(workers.map((w) => w.run()));
  });

  afterAll(async () => {
    for (const worker of workers ?? []) worker.shutdown();
    await running;
    await connection?.close();
    await client?.connection.close();
  });

  it('gives the slot back once the worker has answered', async () => {
    const generationId = randomUUID();
    const handle = await client.workflow.start(generateImages, {
      taskQueue: CONTROL_QUEUE,
      workflowId: `generation-${generationId}`,
      args: [{ generationId, params: {} as never }],
    });
    await expect.poll(() => calls.includes('acquired'), { timeout: 10_000 }).toBe(true);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(calls).toEqual(['acquired', 'released', 'finished:cancelled']);
  }, 30_000);
});
