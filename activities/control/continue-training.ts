import { ApplicationFailure } from '@temporalio/activity';
import { addTrainingEvent, getTrainingRow } from '../../db/repositories/trainings';
import { artifactKey } from '../../lib/artifacts/keys';
import { pushFolder } from '../../lib/artifacts/store-calls';
import { engineJobName } from '../../lib/contracts/training';
import { within } from '../../lib/storage';
import { createTrainingEngine } from '../../plugins/training/registry';
import type { ControlContext } from './context';
import { RUN_GONE } from './training';

/** The checkpoint a continuation was to resume has been deleted since it was started. */
export const CHECKPOINT_GONE = 'CheckpointGone';

/** The control-plane step that makes a continued run start from its source's checkpoint (issue 24). */
export function createContinueTrainingActivities(ctx: ControlContext) {
  const root = ctx.config.storage.root;
  const engine = createTrainingEngine(ctx.config);

  return {
    /**
     * Puts the source run's checkpoint where the engine's first start of this run resumes it (plugin: seedContinuation).
     * Safe to repeat: a retry finds it there already.
     */
    async seedContinuation(input: { runId: string }): Promise<{ step: number; optimizerState: boolean }> {
      const run = await getTrainingRow(ctx.db, input.runId);
      if (!run) throw ApplicationFailure.nonRetryable('The training run no longer exists', RUN_GONE);
      const sourceId = run.continuedFromRunId;
      const step = run.startStep;
      if (!sourceId || step === null) throw ApplicationFailure.nonRetryable('This run does not continue another run', RUN_GONE);
      const runFolder = (id: string) => ({ runDir: within(root, 'training', id), name: engineJobName(id) });
      // The source's checkpoints were written on a GPU worker, and the seed is read on one: both go through the store.
      await ctx.artifacts.pullFolder(artifactKey('training', sourceId));
      const seed = await engine.seedContinuation({ ...runFolder(sourceId), step }, runFolder(run.id));
      if (!seed) {
        throw ApplicationFailure.nonRetryable(
          `The checkpoint at step ${step} of run ${sourceId.slice(0, 8)} is gone (deleted since this run was started): continue from another run, or start a new training`,
          CHECKPOINT_GONE,
        );
      }
      await pushFolder(ctx.artifacts, artifactKey('training', run.id));
      const optimizer = seed.optimizerState ? '' : ' (its optimizer starts afresh: the saved state belonged to a later checkpoint)';
      await addTrainingEvent(ctx.db, run.id, 'continued', `Continuing run ${sourceId.slice(0, 8)} from its checkpoint at step ${seed.step}${optimizer}`);
      ctx.logger.info('training.continuation_seeded', `Continuing from step ${seed.step} of run ${sourceId}`, {
        runId: run.id,
        sourceRunId: sourceId,
        step: seed.step,
        optimizerState: seed.optimizerState,
      });
      return { step: seed.step, optimizerState: seed.optimizerState };
    },
  };
}
