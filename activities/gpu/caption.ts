import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { CaptionStyle } from '../../lib/contracts/captions';
import { artifactKey } from '../../lib/artifacts/keys';
import { pullIfStored } from '../../lib/artifacts/store-calls';
import { currentCorrelationId } from '../../lib/logger/correlation';
import { within } from '../../lib/storage';
import { CaptionEngineError, type CaptionResult } from '../../plugins/captioning/interface';
import type { GpuContext } from './context';
import { beatUntilDone } from './heartbeat';

export interface CaptionPhotosInput {
  jobId: string;
  /** The GPU slot's job id (`captions-<job>`). */
  leaseId: string;
  style: CaptionStyle;
  photos: Array<{ photoId: string; filePath: string; faceBox: { x: number; y: number; width: number; height: number } | null }>;
}

/**
 * The GPU part of "Write captions" (pinned to this worker): one batch of photos through the captioning engine.
 * Heartbeats carry how many are done; the workflow records the captions. Cancellation stops the engine at once.
 */
export function createCaptionPhotos(ctx: GpuContext) {
  return async function captionPhotos(input: CaptionPhotosInput): Promise<Array<{ photoId: string; caption: string }>> {
    const engine = ctx.engines.captioningEngine();
    // The real captioner runs in ai-toolkit's Python: the same GPU check as training.
    if (engine.id !== 'simulated-captioner') await ctx.gpu.assertUsableFor('training');
    const activity = Context.current();
    const signal = activity.cancellationSignal;
    const done: CaptionResult[] = [];
    ctx.leases.touch(input.leaseId);
    const stopBeating = beatUntilDone(
      () => ({ done: done.length, total: input.photos.length }),
      () => ctx.leases.touch(input.leaseId),
    );
    const workDir = await mkdtemp(path.join(os.tmpdir(), `isengard-captions-${input.jobId.slice(0, 8)}-`));
    const logger = ctx.logger.child({ context: { captionJobId: input.jobId } });
    const release = ctx.artifacts.hold(input.photos.map((p) => artifactKey(p.filePath)));
    try {
      // A photo the store lacks is left to the engine, which says which one it could not read.
      for (const photo of input.photos) await pullIfStored(ctx.artifacts, artifactKey(photo.filePath), { signal });
      const results = await engine.caption(
        {
          jobId: input.jobId,
          style: input.style,
          workDir,
          correlationId: currentCorrelationId(),
          images: input.photos.map((p) => ({ id: p.photoId, path: within(ctx.config.storage.root, p.filePath), faceBox: p.faceBox })),
        },
        (result) => done.push(result),
        signal,
        logger,
      );
      return results.map((r) => ({ photoId: r.id, caption: r.caption }));
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('Cancelled');
      if (err instanceof CaptionEngineError) throw ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: !err.retryable });
      throw err;
    } finally {
      release();
      stopBeating();
      await rm(workDir, { recursive: true, force: true });
    }
  };
}
