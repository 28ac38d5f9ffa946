import { completeGeneration, finishGeneration, markGenerationRunning } from '../../db/repositories/generations';
import type { GeneratedImage } from '../../lib/contracts/generation-report';
import type { ControlContext } from './context';

/** The control-plane steps of the `generateImages` workflow. */
export function createGenerationActivities(ctx: ControlContext) {
  return {
    /** The GPU worker took the job: from now on it is running (before, it waited for a GPU). */
    async generationOnWorker(input: { generationId: string; workerId: string }): Promise<void> {
      await markGenerationRunning(ctx.db, input.generationId, input.workerId);
    },

    /** The workflow's record of the images; usually the GPU worker's report has already recorded them. */
    async generationCompleted(input: { generationId: string; images: GeneratedImage[] }): Promise<void> {
      if (await completeGeneration(ctx.db, input.generationId, input.images)) {
        ctx.logger.info('generation.completed', `Generation completed with ${input.images.length} image(s)`, {
          generationId: input.generationId,
        });
      }
    },

    async generationFinished(input: { generationId: string; status: 'failed' | 'cancelled'; code: string; message: string }): Promise<void> {
      const ended = await finishGeneration(ctx.db, input.generationId, {
        status: input.status,
        errorCode: input.status === 'failed' ? input.code : null,
        errorMessage: input.status === 'failed' ? input.message : null,
      });
      if (ended) ctx.logger.info('generation.finished', `Generation ${input.status}: ${input.message}`, { generationId: input.generationId });
    },
  };
}
