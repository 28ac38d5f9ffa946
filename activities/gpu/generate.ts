import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import type { GeneratedImage, GenerationOutputsReport } from '../../lib/contracts/generation-report';
import type { GenerationParams } from '../../lib/contracts/generations';
import { internalToken } from '../../lib/internal-token';
import { CORRELATION_HEADER, currentCorrelationId } from '../../lib/logger/correlation';
import { within } from '../../lib/storage';
import { ImageEngineError } from '../../plugins/image/interface';
import type { GpuContext } from './context';

export interface GenerateImagesInput {
  generationId: string;
  jobId: string;
  params: GenerationParams;
}

const HEARTBEAT_EVERY_MS = 2_000;

/** Tells the control plane about a generation (best effort: the workflow records the outcome in any case). */
async function report(ctx: GpuContext, generationId: string, what: 'progress' | 'outputs', body: object): Promise<void> {
  const correlationId = currentCorrelationId();
  try {
    await fetch(`${ctx.config.controlPlaneUrl}/internal/generations/${generationId}/${what}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${internalToken(ctx.config)}`,
        // The control plane logs what it records under the job's correlation id.
        ...(correlationId ? { [CORRELATION_HEADER]: correlationId } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    // the next tick, or the workflow's record of the result, will say it
  }
}

/**
 * The GPU part of `generateImages`: one prompt through the image engine (pinned to this worker, so submit and
 * collect hit the same ComfyUI), images written to outputs/<generation>/ with their parameters inside.
 * Cancellation interrupts the engine.
 */
export function createGenerateImages(ctx: GpuContext) {
  return async function generateImages(input: GenerateImagesInput): Promise<GeneratedImage[]> {
    ctx.leases.touch(input.jobId);
    const root = ctx.config.storage.root;
    const abort = new AbortController();
    let progress = 0;
    let lastSent = -1;
    heartbeat({ progress });
    const beat = setInterval(() => {
      heartbeat({ progress });
      ctx.leases.touch(input.jobId);
      if (progress !== lastSent) {
        lastSent = progress;
        void report(ctx, input.generationId, 'progress', { workerId: ctx.workerId, progress });
      }
    }, HEARTBEAT_EVERY_MS);
    let cancelled: unknown;
    Context.current().cancelled.catch((err: unknown) => {
      cancelled = err;
      abort.abort(err);
    });
    try {
      const outputs = await ctx.engines.imageEngine().generate(
        {
          generationId: input.generationId,
          params: input.params,
          outputDir: within(root, 'outputs', input.generationId),
          correlationId: currentCorrelationId(),
        },
        (fraction) => {
          progress = Math.round(fraction * 1000) / 1000;
          heartbeat({ progress });
        },
        abort.signal,
      );
      // The images are on disk, so the GPU can take the next job now instead of after the workflow's round trip
      // to release it (the release then finds the slot free). Only on success: a failed attempt may be retried here.
      if (ctx.leases.release(input.jobId)) {
        ctx.logger.info('gpu.released', `GPU slot released by ${input.jobId}: images ready`, { jobId: input.jobId, workerId: ctx.workerId });
      }
      const images: GeneratedImage[] = outputs.map(({ path: file, ...image }) => ({ ...image, filePath: path.relative(root, file) }));
      // Recorded now through the control plane, so the person sees the images without waiting for the workflow's
      // round trips; the workflow's own record then finds them there.
      const outputsReport: GenerationOutputsReport = { workerId: ctx.workerId, images };
      await report(ctx, input.generationId, 'outputs', outputsReport);
      return images;
    } catch (err) {
      if (cancelled) throw cancelled instanceof CancelledFailure ? cancelled : new CancelledFailure(String(cancelled));
      if (err instanceof ImageEngineError) {
        throw ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: !err.retryable });
      }
      throw err;
    } finally {
      clearInterval(beat);
    }
  };
}
