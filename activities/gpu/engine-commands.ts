import { ApplicationFailure } from '@temporalio/activity';
import type { GpuContext } from './context';

/** Commands to a training running on this worker (they reach it on the worker's own queue). */
export function createEngineCommands(ctx: GpuContext) {
  return {
    async saveTrainingNow(input: { runId: string }): Promise<void> {
      const session = ctx.trainings.get(input.runId);
      if (!session) throw ApplicationFailure.nonRetryable('This training is not running on this worker', 'NotRunningHere');
      await session.saveNow();
      ctx.logger.info('training.save_now', 'Asked the engine to save a checkpoint now', { runId: input.runId });
    },
  };
}
