import os from 'node:os';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createArtifactStore } from '../../lib/artifacts';
import type { ArtifactStore } from '../../lib/artifacts/store';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';
import { correlationActivityInterceptor } from '../../lib/temporal/activity-interceptor';
import { connectClient } from '../../lib/temporal/connection';
import { GPU_QUEUE, gpuWorkerQueue } from '../../lib/temporal/queues';
import { createEngineRegistry, engineGpuPythons } from '../../plugins/registry';
import type { GpuContext } from './context';
import { GpuCheck } from './gpu-check';
import { handBackLeftovers } from './hand-back';
import { HEARTBEAT_THROTTLE } from './heartbeat';
import { createPinnedGpuActivities, createSharedGpuActivities } from './index';
import { GpuLeases } from './leases';
import { startSlotReclaimer } from './slot-reclaimer';
import { gpuSlotSupplier } from './slot-supplier';
import { StatusReports } from './status-report';

/** A slot whose job neither started nor heartbeated for this long is free again. */
const LEASE_TTL_MS = 3 * 60_000;

export interface GpuWorkerOptions {
  config: Config;
  logger: Logger;
  workerId?: string;
  /** Default: the store the configuration names (STORAGE_URL, else the data root). */
  artifacts?: ArtifactStore;
}

export interface GpuWorkerHandle {
  ctx: GpuContext;
  /** Runs both workers until shutdown; rejects if either fails. */
  run(): Promise<void>;
  /** Stops polling, lets running GPU work finish (up to the grace time), then resolves `run`. */
  shutdown(): void;
}

/**
 * One GPU worker process = two Temporal workers (temporal.md §1): one on the shared queue answering only
 * "acquire GPU", and only while it has a free GPU slot; one on its own queue running the GPU activities of the jobs
 * pinned to it, `WORKER_CONCURRENCY` at a time (that one always polls, so the worker stays visible while busy).
 * Besides Temporal, it talks to the control plane only through the internal report: its jobs' progress and its
 * own status.
 */
export async function createGpuWorker(connection: NativeConnection, options: GpuWorkerOptions): Promise<GpuWorkerHandle> {
  const { config, logger } = options;
  const workerId = options.workerId ?? config.gpu.workerId;
  const identity = `${process.pid}@${os.hostname()}`;
  const ctx: GpuContext = {
    config,
    logger,
    artifacts: options.artifacts ?? createArtifactStore(config, logger),
    workerId,
    identity,
    queue: gpuWorkerQueue(workerId),
    leases: new GpuLeases(config.gpu.concurrency, LEASE_TTL_MS),
    engines: createEngineRegistry(config, logger),
    gpu: new GpuCheck({ workerId, pythons: engineGpuPythons(config), cpuAllowed: config.gpu.allowCpu, logger }),
    trainings: new Map(),
  };
  // Each engine's Python looks at the GPU while the workers start; jobs that come first wait for the answer.
  const gpuChecked = ctx.gpu.start();
  const common = {
    connection,
    namespace: config.temporal.namespace,
    identity,
    interceptors: { activity: [correlationActivityInterceptor] },
    // Stop and Cancel reach a GPU activity in the answer to a heartbeat: at most a second late (see heartbeat.ts).
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
  };
  const fixed = (numSlots: number) => ({ type: 'fixed-size' as const, numSlots });
  const shared = await Worker.create({
    ...common,
    taskQueue: GPU_QUEUE,
    activities: createSharedGpuActivities(ctx),
    // Polls only while a GPU slot is free (see slot-supplier.ts).
    tuner: {
      activityTaskSlotSupplier: gpuSlotSupplier(ctx.leases),
      workflowTaskSlotSupplier: fixed(1),
      localActivityTaskSlotSupplier: fixed(1),
      nexusTaskSlotSupplier: fixed(1),
    },
  });
  const pinned = await Worker.create({
    ...common,
    taskQueue: ctx.queue,
    activities: createPinnedGpuActivities(ctx),
    // GPU work is limited by the leases (one job per slot); the extra task slots are for commands to running
    // jobs (save now) and releases, which must not wait behind a training that holds a slot for hours.
    maxConcurrentActivityTaskExecutions: config.gpu.concurrency + 2,
    // Long enough for a trainer to write a checkpoint before its activity is cancelled.
    shutdownGraceTime: `${config.shutdownGraceSeconds} seconds`,
    shutdownForceTime: `${config.shutdownGraceSeconds + 30} seconds`,
  });
  const client = await connectClient(config, logger, connection);
  const status = new StatusReports(ctx);
  // Reported as soon as known, so health says at once whether this GPU can be used.
  void gpuChecked.then(() => status.refresh());

  // The image engine's server starts with the worker (it takes a while to load), unless it is not installed.
  const image = ctx.engines.imageEngine();
  const imageStatus = await image.check();
  if (imageStatus.state !== 'missing') {
    // Reported again once it answers, so health turns ok without waiting for the next engine check.
    void image
      .start()
      .then(() => status.refresh())
      .catch((err: unknown) => logger.error('comfyui.start_failed', `ComfyUI did not start: ${(err as Error).message}`, { error: err }));
  } else {
    logger.warn('comfyui.missing', imageStatus.message);
  }

  logger.info('worker.ready', `GPU worker ${workerId} polls ${GPU_QUEUE} and ${ctx.queue}`, {
    workerId,
    identity,
    queues: [GPU_QUEUE, ctx.queue],
    concurrency: config.gpu.concurrency,
  });

  return {
    ctx,
    run: async () => {
      const workers = [shared, pinned];
      const stopAll = () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
      status.start();
      const stopReclaiming = startSlotReclaimer(ctx, client);
      void handBackLeftovers(ctx, client).catch((err: unknown) =>
        logger.warn('worker.recovery_failed', `Could not hand back a crashed worker's activities: ${(err as Error).message}`),
      );
      try {
        // If one worker fails, stop the other too: half a GPU worker would take jobs it cannot run.
        const results = await Promise.allSettled(workers.map((w) => w.run().catch((err: unknown) => (stopAll(), Promise.reject(err)))));
        const failure = results.find((r) => r.status === 'rejected');
        if (failure) throw failure.reason;
      } finally {
        stopReclaiming();
        await status.stop();
        await image.stop().catch(() => undefined);
      }
    },
    shutdown: () => {
      for (const w of [shared, pinned]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
