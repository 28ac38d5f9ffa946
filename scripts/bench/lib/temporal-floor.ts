import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

let runtimeInstalled = false;

/** Ms from a floor workflow's start to each of its activities. */
export interface FloorTimes {
  /** To the acquire on the shared queue (where Isengard's GPU worker starts the engine). */
  acquired: number[];
  /** To the activity on the worker's own queue (where Isengard's takes the running prompt over). */
  pinned: number[];
}

/**
 * Runs the bare-Temporal equivalent of a generation (scripts/bench/floor-workflow.ts) `count` times, one at a
 * time, on the instance's own Temporal server with three workers in this process, started eagerly from a client on
 * the workflow worker's connection as the control plane does.
 */
export async function temporalFloor(address: string, namespace: string, count: number): Promise<FloorTimes> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const id = randomUUID().slice(0, 8);
  const queues = { control: `bench-floor-control-${id}`, shared: `bench-floor-gpu-${id}`, pinned: `bench-floor-gpu-${id}.pinned` };
  const acquiredAt = new Map<string, number>();
  const pinnedAt = new Map<string, number>();
  const activities = {
    async acquired(jobId: string) {
      acquiredAt.set(jobId, Date.now());
    },
    async pinned(jobId: string) {
      pinnedAt.set(jobId, Date.now());
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
  const out: FloorTimes = { acquired: [], pinned: [] };
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
      if (i < 0) continue;
      out.acquired.push(acquiredAt.get(jobId)! - started);
      out.pinned.push(pinnedAt.get(jobId)! - started);
    }
  } finally {
    workers.forEach((w) => w.shutdown());
    await running;
    await native.close();
  }
  return out;
}
