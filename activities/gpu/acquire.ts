import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import { GPU_BUSY, type AcquireGpuInput, type GpuLease } from '../../lib/temporal/gpu-contracts';
import type { GpuContext } from './context';

/**
 * Runs on the shared GPU queue: a free worker answers with its own queue and keeps a slot for the job;
 * a busy one refuses (retryable), so the workflow's retry reaches a free worker or waits until one is free.
 */
export function createAcquireGpu(ctx: GpuContext) {
  return async function acquireGpu(input: AcquireGpuInput): Promise<GpuLease> {
    if (!ctx.leases.tryAcquire(input.jobId, activityInfo().workflowExecution?.workflowId)) {
      throw ApplicationFailure.retryable(`GPU worker ${ctx.workerId} is busy with ${ctx.leases.jobs().join(', ')}`, GPU_BUSY);
    }
    ctx.logger.info('gpu.acquired', `GPU slot taken for ${input.jobId}`, { jobId: input.jobId, workerId: ctx.workerId });
    return { workerId: ctx.workerId, queue: ctx.queue, identity: ctx.identity };
  };
}

/** Runs on the worker-specific queue when a job is done with the GPU (finished, failed, cancelled or moving on). */
export function createReleaseGpu(ctx: GpuContext) {
  return async function releaseGpu(input: { jobId: string }): Promise<void> {
    if (ctx.leases.release(input.jobId)) {
      ctx.logger.info('gpu.released', `GPU slot released by ${input.jobId}`, { jobId: input.jobId, workerId: ctx.workerId });
    }
  };
}
