import os from 'node:os';
import path from 'node:path';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';
import { correlationActivityInterceptor } from '../../lib/temporal/activity-interceptor';
import { GPU_QUEUE, gpuWorkerQueue } from '../../lib/temporal/queues';
import { createEngineRegistry } from '../../plugins/registry';
import type { GpuContext } from './context';
import { createPinnedGpuActivities, createSharedGpuActivities } from './index';
import { EarlyGenerations } from './generation-runs';
import { GpuLeases } from './leases';
import { gpuSlotSupplier } from './slot-supplier';
import { baseStatus, removeStatusFile, writeStatusFile } from '../../lib/worker-status';
import { connectClient } from '../../lib/temporal/connection';
import { RunningActivities } from './running-activities';

const STATUS_EVERY_MS = 15_000;
/** A slot whose job neither started nor heartbeated for this long is free again. */
const LEASE_TTL_MS = 3 * 60_000;

export interface GpuWorkerOptions {
  config: Config;
  logger: Logger;
  workerId?: string;
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
 */
export async function createGpuWorker(connection: NativeConnection, options: GpuWorkerOptions): Promise<GpuWorkerHandle> {
  const { config, logger } = options;
  const workerId = options.workerId ?? config.gpu.workerId;
  const identity = `${process.pid}@${os.hostname()}`;
  const ctx: GpuContext = {
    config,
    logger,
    workerId,
    identity,
    queue: gpuWorkerQueue(workerId),
    leases: new GpuLeases(config.gpu.concurrency, LEASE_TTL_MS),
    earlyGenerations: new EarlyGenerations(LEASE_TTL_MS, (jobId) =>
      logger.warn('gpu.early_generation_dropped', `Generation started early for ${jobId} interrupted: its job never took it over`, {
        jobId,
        workerId,
      }),
    ),
    engines: createEngineRegistry(config, logger),
    trainings: new Map(),
  };
  const common = {
    connection,
    namespace: config.temporal.namespace,
    identity,
    interceptors: { activity: [correlationActivityInterceptor] },
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
  const running = new RunningActivities(path.join(config.storage.workers, `${workerId}.running`));
  const pinned = await Worker.create({
    ...common,
    interceptors: { activity: [correlationActivityInterceptor, running.interceptor()] },
    taskQueue: ctx.queue,
    activities: createPinnedGpuActivities(ctx),
    // GPU work is limited by the leases (one job per slot); the extra task slots are for commands to running
    // jobs (save now) and releases, which must not wait behind a training that holds a slot for hours.
    maxConcurrentActivityTaskExecutions: config.gpu.concurrency + 2,
    // Long enough for a trainer to write a checkpoint before its activity is cancelled.
    shutdownGraceTime: `${config.shutdownGraceSeconds} seconds`,
    shutdownForceTime: `${config.shutdownGraceSeconds + 30} seconds`,
  });

  const base = baseStatus({ workerId, queue: ctx.queue, identity, mode: config.mode });
  const publish = async () => {
    try {
      const engines = await ctx.engines.check();
      writeStatusFile(config.storage.workers, { ...base, engines, updatedAt: new Date().toISOString() });
    } catch (err) {
      logger.warn('worker.status_failed', 'Could not publish the worker status file', { error: err });
    }
  };
  // The image engine's server starts with the worker (it takes a while to load), unless it is not installed.
  const image = ctx.engines.imageEngine();
  const imageStatus = await image.check();
  await publish();
  if (imageStatus.state !== 'missing') {
    // Published again once it answers, so health turns ok without waiting for the next round.
    void image
      .start()
      .then(publish)
      .catch((err: unknown) => logger.error('comfyui.start_failed', `ComfyUI did not start: ${(err as Error).message}`, { error: err }));
  } else {
    logger.warn('comfyui.missing', imageStatus.message);
  }
  const timer = setInterval(() => void publish(), STATUS_EVERY_MS);
  timer.unref();

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
      void handBackLeftovers(config, logger, running);
      try {
        // If one worker fails, stop the other too: half a GPU worker would take jobs it cannot run.
        const results = await Promise.allSettled(workers.map((w) => w.run().catch((err: unknown) => (stopAll(), Promise.reject(err)))));
        const failure = results.find((r) => r.status === 'rejected');
        if (failure) throw failure.reason;
      } finally {
        clearInterval(timer);
        await image.stop().catch(() => undefined);
        removeStatusFile(config.storage.workers, workerId);
      }
    },
    shutdown: () => {
      for (const w of [shared, pinned]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}

/** Once polling: activities a crashed predecessor left on this worker's queue are retried now, not after a timeout. */
async function handBackLeftovers(config: Config, logger: Logger, running: RunningActivities): Promise<void> {
  try {
    const client = await connectClient(config, logger);
    try {
      await running.failLeftovers(client, logger);
    } finally {
      await client.connection.close();
    }
  } catch (err) {
    logger.warn('worker.recovery_failed', `Could not hand back a crashed worker's activities: ${(err as Error).message}`);
  }
}
