import { ApplicationFailure } from '@temporalio/activity';
import { finishCaptionJob, recordCaptions, startCaptionJob, type CaptionPlan } from '../../db/repositories/captions';
import { AI_TOOLKIT_CAPTIONER } from '../../plugins/captioning/ai-toolkit/meta';
import { SIMULATED_CAPTIONER } from '../../plugins/captioning/simulated/meta';
import type { ControlContext } from './context';

export const CAPTION_JOB_GONE = 'CaptionJobGone';

/** The control-plane steps of the `captionPhotos` workflow: the only writer of a caption job and the captions it writes. */
export function createCaptionActivities(ctx: ControlContext) {
  const meta = ctx.config.mode === 'fast-test' ? SIMULATED_CAPTIONER : AI_TOOLKIT_CAPTIONER;
  return {
    /** Chooses the photos (the chosen ones, or those without a caption the user wrote) and marks the job running. */
    async captionJobStarted(input: { jobId: string }): Promise<CaptionPlan> {
      const plan = await startCaptionJob(ctx.db, input.jobId, `${meta.id}@${meta.version}`);
      if (!plan) throw ApplicationFailure.nonRetryable('The character or its caption job is gone', CAPTION_JOB_GONE);
      ctx.logger.info('captions.started', `Writing ${plan.style} captions for ${plan.photos.length} photo(s)`, {
        captionJobId: input.jobId,
        photos: plan.photos.length,
        explicit: plan.explicit,
      });
      return plan;
    },

    /** Records a batch of captions as they come (a caption the user edited meanwhile is kept unless chosen). */
    async captionsWritten(input: { jobId: string; explicit: boolean; captions: Array<{ photoId: string; caption: string }> }): Promise<number> {
      const written = await recordCaptions(ctx.db, input.jobId, input.explicit, input.captions);
      ctx.logger.info('captions.recorded', `Recorded ${written} of ${input.captions.length} caption(s)`, { captionJobId: input.jobId, written });
      return written;
    },

    async captionJobFinished(input: { jobId: string; status: 'completed' | 'failed' | 'cancelled'; message: string | null }): Promise<void> {
      await finishCaptionJob(ctx.db, input.jobId, input.status, input.status === 'failed' ? input.message : null);
      ctx.logger.info('captions.finished', `Caption job ${input.status}${input.message ? `: ${input.message}` : ''}`, { captionJobId: input.jobId, status: input.status });
    },
  };
}
