import { rm } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { completeGeneration, finishGeneration, getGenerationRow, markGenerationRunning } from '../../db/repositories/generations';
import type { GeneratedImage } from '../../lib/contracts/generation-report';
import { artifactKey } from '../../lib/artifacts/keys';
import { within } from '../../lib/storage';
import type { ControlContext } from './context';
import { queueOutputScoring } from './output-likeness';
import { announceGenerationEnd } from './webhooks';

export const GENERATION_ENDED = 'GenerationEnded';

/** The control-plane steps of the `generateImages` workflow: the only writer of a generation's status once it started. */
export function createGenerationActivities(ctx: ControlContext) {
  /** A generation that did not complete keeps no image: whatever its GPU worker wrote goes. */
  const removeImages = async (generationId: string) => {
    await ctx.artifacts.remove(artifactKey('outputs', generationId));
    await rm(within(ctx.config.storage.outputs, generationId), { recursive: true, force: true });
  };

  return {
    /** A GPU worker took the job: from now on it is running (before, it waited for a GPU). */
    async generationOnWorker(input: { generationId: string; workerId: string }): Promise<void> {
      if (!(await markGenerationRunning(ctx.db, input.generationId, input.workerId))) {
        throw ApplicationFailure.nonRetryable('This generation has already ended (it was cancelled or closed)', GENERATION_ENDED);
      }
      ctx.logger.info('generation.running', `Generation running on GPU worker ${input.workerId}`, input);
    },

    /**
     * Records the images and completes the generation, unless its cancel was asked for before: then it ends
     * `cancelled` here, its images removed. Answers which of the two it did.
     */
    async generationCompleted(input: { generationId: string; images: GeneratedImage[] }): Promise<'completed' | 'cancelled'> {
      // The images go before the status says cancelled: whoever sees "cancelled" never finds them.
      const outcome = await completeGeneration(ctx.db, input.generationId, input.images, () => removeImages(input.generationId));
      if (outcome === 'cancelled' || outcome === 'ended') {
        if (outcome === 'ended') await removeImages(input.generationId);
        ctx.logger.info('generation.finished', 'Generation cancelled before its images were recorded', { generationId: input.generationId });
        await announceGenerationEnd(ctx, { generationId: input.generationId, status: 'cancelled' });
        return 'cancelled';
      }
      if (outcome === 'completed') {
        ctx.logger.info('generation.completed', `Generation completed with ${input.images.length} image(s)`, { generationId: input.generationId });
      }
      // The likeness scores follow the pictures, without holding up the job (also after a retried record).
      queueOutputScoring({ db: ctx.db, storageRoot: ctx.config.storage.root, artifacts: ctx.artifacts, logger: ctx.logger, changed: ctx.changed }, input.generationId);
      await announceGenerationEnd(ctx, { generationId: input.generationId, status: 'completed' });
      return 'completed';
    },

    async generationFinished(input: { generationId: string; status: 'failed' | 'cancelled'; code: string; message: string }): Promise<void> {
      // The images go first, so that a generation is never seen failed or cancelled with them still there. Only the
      // workflow moves a generation's status, so one found completed here stays so, and keeps its images.
      if ((await getGenerationRow(ctx.db, input.generationId))?.status !== 'completed') await removeImages(input.generationId);
      const ended = await finishGeneration(ctx.db, input.generationId, {
        status: input.status,
        errorCode: input.status === 'failed' ? input.code : null,
        errorMessage: input.status === 'failed' ? input.message : null,
      });
      if (ended) ctx.logger.info('generation.finished', `Generation ${input.status}: ${input.message}`, { generationId: input.generationId });
      await announceGenerationEnd(ctx, input);
    },
  };
}
