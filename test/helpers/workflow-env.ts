import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ControlActivities } from '../../activities/control';
import type { PinnedGpuActivities, SharedGpuActivities } from '../../activities/gpu';
import { createLogger } from '../../lib/logger/logger';
import { CONTROL_QUEUE, GPU_QUEUE, gpuWorkerQueue } from '../../lib/temporal/queues';
import { ensureNamespace, ensureSearchAttributes } from '../../lib/temporal/setup';

type Stubs<T> = { [K in keyof T]?: (input: never) => Promise<unknown> };

export interface StubWorkers {
  control: Stubs<ControlActivities>;
  acquire: SharedGpuActivities['acquireGpu'] | ((input: { jobId: string }) => Promise<unknown>);
  /** The pinned activities of each GPU worker, by worker id: only these workers poll their own queue. */
  pinned: Record<string, Stubs<PinnedGpuActivities>>;
}

/**
 * The real workflows (the test run's bundle) against the real dev server, in a namespace of their own, with stub
 * activities: `TestWorkflowEnvironment` on the server every test file shares.
 */
export async function workflowEnvironment(): Promise<TestWorkflowEnvironment> {
  // The SDK's own lines (workers starting and stopping, the failures a test provokes) only when something is wrong.
  if (!Runtime._instance) Runtime.install({ logger: new DefaultLogger('ERROR') });
  const address = inject('temporalAddress');
  const namespace = `wf-${randomUUID().slice(0, 8)}`;
  const logger = createLogger({ service: 'worker', level: 'ERROR' });
  const admin = await Connection.connect({ address });
  try {
    await ensureNamespace(admin, namespace, logger);
    await ensureSearchAttributes(admin, namespace, logger);
  } finally {
    await admin.close();
  }
  return TestWorkflowEnvironment.createFromExistingServer({ address, namespace });
}

/** Runs the control queue (workflows and control stubs), the shared GPU queue and each pinned queue until `fn` ends. */
export async function withStubWorkers<T>(env: TestWorkflowEnvironment, stubs: StubWorkers, fn: () => Promise<T>): Promise<T> {
  const namespace = env.namespace ?? 'default';
  const common = { connection: env.nativeConnection, namespace };
  const workers = await Promise.all([
    Worker.create({ ...common, taskQueue: CONTROL_QUEUE, workflowBundle: { codePath: inject('workflowBundle') }, activities: stubs.control }),
    Worker.create({ ...common, taskQueue: GPU_QUEUE, activities: { acquireGpu: stubs.acquire } }),
    ...Object.entries(stubs.pinned).map(([workerId, activities]) =>
      Worker.create({ ...common, taskQueue: gpuWorkerQueue(workerId), activities, maxHeartbeatThrottleInterval: '200 milliseconds' }),
    ),
  ]);
  const running = workers.map((w) => w.run());
  try {
    return await fn();
  } finally {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(running);
  }
}

/** A GPU lease as a stub acquire answers it, for worker `workerId`. */
export function leaseOf(workerId: string) {
  return { workerId, queue: gpuWorkerQueue(workerId), identity: `${workerId}@test` };
}
