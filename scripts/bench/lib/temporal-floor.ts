import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

let runtimeInstalled = false;

/**
 * Runs the bare-Temporal equivalent of a generation (scripts/bench/floor-workflow.ts) `count` times, one at a
 * time, on the instance's own Temporal server with three workers in this process, started eagerly from a client on
 * the workflow worker's connection as the control plane does; ms from start to the activity that records (where
 * Isengard's GPU worker records the outputs).
 */
export async function temporalFloor(address: string, namespace: string, count: number): Promise<number[]> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const id = randomUUID().slice(0, 8);
  const queues = { control: `bench-floor-control-${id}`, shared: `bench-floor-gpu-${id}`, pinned: `bench-floor-gpu-${id}.pinned` };
  const recordedAt = new Map<string, number>();
  const activities = {
    async noop() {},
    async recorded(jobId: string) {
      recordedAt.set(jobId, Date.now());
    },
  };
  const native = await NativeConnection.connect({ address });
  const workflowsPath = fileURLToPath(new URL('../floor-workflow.ts', import.meta.url));
  const workers = await Promise.all([
    Worker.create({ connection: native, namespace, taskQueue: queues.control, workflowsPath, activities }),
    Worker.create({ connection: native, namespace, taskQueue: queues.shared, activities }),
    Worker.create({ connection: native, namespace, taskQueue: queues.pinned, activities }),
  ]);
  const running = Promise.all(workers.map((w) => w.run()));
  const client = new Client({ connection: native, namespace });
  const out: number[] = [];
  try {
    for (let i = -3; i < count; i++) {
      const jobId = `${id}-${i}`;
      const started = Date.now();
      await client.workflow.execute('temporalFloor', {
        taskQueue: queues.control,
        workflowId: `bench-floor-${jobId}`,
        args: [{ id: jobId, shared: queues.shared, pinned: queues.pinned }],
        requestEagerStart: true,
      });
      if (i >= 0) out.push(recordedAt.get(jobId)! - started);
    }
  } finally {
    workers.forEach((w) => w.shutdown());
    await running;
    await native.close();
  }
  return out;
}
