import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import type { GenerationParams } from '../../lib/contracts/generations';
import { internalToken } from '../../lib/internal-token';
import { currentCorrelationId } from '../../lib/logger/correlation';
import { within } from '../../lib/storage';
import { ImageEngineError } from '../../plugins/image/interface';
import type { GpuContext } from './context';

export interface GenerateImagesInput {
  generationId: string;
  jobId: string;
  params: GenerationParams;
}

export interface GeneratedImage {
  index: number;
  /** Relative to the data root. */
  filePath: string;
  width: number;
  height: number;
  seed: number;
  sizeBytes: number;
  sha256: string;
}

const HEARTBEAT_EVERY_MS = 2_000;

/** Tells the control plane how far a generation is (best effort: the outputs are what counts). */
async function reportProgress(ctx: GpuContext, generationId: string, progress: number): Promise<void> {
  try {
    await fetch(`${ctx.config.controlPlaneUrl}/internal/generations/${generationId}/progress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${internalToken(ctx.config)}` },
      body: JSON.stringify({ workerId: ctx.workerId, progress }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    // the next tick, or the final result, will say it
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
        void reportProgress(ctx, input.generationId, progress);
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
      return outputs.map((o) => ({ ...o, filePath: path.relative(root, o.path) }));
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
