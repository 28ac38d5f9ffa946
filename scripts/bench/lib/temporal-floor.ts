import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

let runtimeInstalled = false;

/** What Temporal alone costs around a generation's engine, ms per workflow. */
export interface FloorTimes {
  /** From the start to the generation activity on the worker's own queue (where Isengard's engine starts). */
  beforeEngine: number[];
  /** From the generation activity's end to the record's end (Isengard's release and record). */
  afterEngine: number[];
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
  const at = { generate: new Map<string, number>(), recorded: new Map<string, number>() };
  const nothing = async () => undefined;
  const activities = {
    acquired: nothing,
    running: nothing,
    release: nothing,
    async generate(jobId: string) {
      at.generate.set(jobId, Date.now());
    },
    async record(jobId: string) {
      at.recorded.set(jobId, Date.now());
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
  const out: FloorTimes = { beforeEngine: [], afterEngine: [] };
  try {
    for (let i = -3; i < count; i++) {
      const jobId = `${id}-${i}`;
      const started = Date.now();
      await client.workflow.execute('temporalFloor', {
        taskQueue: queues.control,
        workflowId: `bench-floor-${jobId}`,
        args: [{ id: jobId, control: queues.control, shared: queues.shared, pinned: queues.pinned }],
        requestEagerStart: true,
      });
      if (i < 0) continue;
      out.beforeEngine.push(at.generate.get(jobId)! - started);
      out.afterEngine.push(at.recorded.get(jobId)! - at.generate.get(jobId)!);
    }
  } finally {
    workers.forEach((w) => w.shutdown());
    await running;
    await native.close();
  }
  return out;
}
