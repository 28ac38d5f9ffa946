import { ApplicationFailure } from '@temporalio/activity';
import { GPU_BUSY, type AcquireGpuInput, type GpuLease } from '../../lib/temporal/gpu-contracts';
import type { GpuContext } from './context';
import { imageEngineStart } from './generate';

/**
 * Runs on the shared GPU queue: a free worker answers with its own queue and keeps a slot for the job;
 * a busy one refuses (retryable), so the workflow's retry reaches a free worker or waits until one is free.
 * A generation starts on the engine right away, while the workflow sends its pinned activity here.
 */
export function createAcquireGpu(ctx: GpuContext) {
  return async function acquireGpu(input: AcquireGpuInput): Promise<GpuLease> {
    if (!ctx.leases.tryAcquire(input.jobId)) {
      throw ApplicationFailure.retryable(
        `GPU worker ${ctx.workerId} is busy with ${ctx.leases.jobs().join(', ')}`,
        GPU_BUSY,
      );
    }
    if (input.generation) ctx.earlyGenerations.start(input.jobId, imageEngineStart(ctx, input.generation));
    const started = input.generation ? '; its prompt started' : '';
    ctx.logger.info('gpu.acquired', `GPU slot taken for ${input.jobId}${started}`, { jobId: input.jobId, workerId: ctx.workerId });
    return { workerId: ctx.workerId, queue: ctx.queue, identity: ctx.identity };
  };
}

/**
 * Runs on the worker-specific queue when a job is done with the GPU (a generation's slot may be free already), or
 * gave up before its pinned activity came (cancelled, failed): a generation started early is interrupted then.
 */
export function createReleaseGpu(ctx: GpuContext) {
  return async function releaseGpu(input: { jobId: string }): Promise<void> {
    if (ctx.earlyGenerations.drop(input.jobId, 'The job let its GPU slot go before taking over its generation')) {
      ctx.logger.info('gpu.early_generation_dropped', `Generation started early for ${input.jobId} interrupted: the job released its slot`, {
        jobId: input.jobId,
        workerId: ctx.workerId,
      });
    }
    if (ctx.leases.release(input.jobId)) {
      ctx.logger.info('gpu.released', `GPU slot released by ${input.jobId}`, { jobId: input.jobId, workerId: ctx.workerId });
    }
  };
}
