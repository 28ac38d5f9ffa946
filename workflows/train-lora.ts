import {
  CancellationScope,
  defineSignal,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { PinnedGpuActivities } from '../activities/gpu';
import type { RunTrainingResult } from '../activities/gpu/train';
import { STATUS } from '../lib/temporal/search-attributes';
import { control, likeness } from './activity-proxies';
import { describeFailure, failureType } from './failures';
import { withPinnedGpu, type GpuTimeouts } from './gpu-pinning';

export interface TrainLoraInput {
  runId: string;
  gpuTimeouts?: GpuTimeouts;
  /** Who asked: jobs of different people share the GPUs fairly. */
  submittedBy?: string;
}

export interface TrainLoraResult {
  loraId: string;
  steps: number;
}

/** "Save a checkpoint now", from the run page. */
export const saveNowSignal = defineSignal('saveNow');

function setStatus(status: 'running' | 'completed' | 'failed' | 'stopped'): void {
  upsertSearchAttributes([{ key: STATUS, value: status }]);
}

/** Runs started before the likeness work registered the engine's final file and scored nothing (their histories replay). */
const LIKENESS_PATCH = 'likeness-recommendation';

/** Continued runs (issue 24) first put their source's checkpoint where the engine resumes it. */
const CONTINUE_PATCH = 'continue-training';

/**
 * A training run (design §4): prepare the dataset → acquire a GPU → run the engine (heartbeating, resuming from
 * checkpoints on retries and on other workers) → score the samples' likeness and recommend a checkpoint → register
 * that checkpoint as the LoRA (the final one stays among the run's checkpoints). Stop is a cancellation: the engine
 * saves, stops, and the run keeps its last checkpoint as a LoRA (its likeness curve is still completed). Out of
 * memory: one more try with a lower-VRAM profile. A continuation (issue 24) starts from its source run's checkpoint:
 * the engine resumes it as its own and counts on from its step.
 */
export async function trainLora(input: TrainLoraInput): Promise<TrainLoraResult> {
  const { runId } = input;
  const jobId = `training-${runId}`;
  let pinned: PinnedGpuActivities | undefined;
  let name = '';

  setHandler(saveNowSignal, async () => {
    if (!pinned) return;
    try {
      await pinned.saveTrainingNow({ runId });
    } catch (err) {
      log.warn(`Save now did not reach the engine: ${describeFailure(err)}`, { event: 'training.save_now_failed' });
    }
  });

  setStatus('running');
  try {
    const plan = await control.trainingStarted({ runId });
    name = plan.name;
    // Only continuations have a source, so runs recorded before this never reach the marker.
    if (plan.continuedFrom && patched(CONTINUE_PATCH)) await control.seedContinuation({ runId });
    const dataset = await control.prepareDataset({ runId, characterId: plan.characterId });

    let vramProfile = plan.vramProfile;
    let result: RunTrainingResult | undefined;
    while (!result) {
      await control.trainingWaitingForGpu({ runId });
      try {
        result = await withPinnedGpu(
          jobId,
          async ({ lease, activities }) => {
            const attempt = await control.trainingOnWorker({ runId, workerId: lease.workerId });
            pinned = activities;
            try {
              return await activities.runTraining({
                runId,
                jobId,
                attempt,
                name: plan.name,
                settings: plan.settings,
                triggerWord: plan.triggerWord,
                datasetDir: dataset.datasetDir,
                vramProfile,
              });
            } finally {
              pinned = undefined;
            }
          },
          { timeouts: input.gpuTimeouts, fairnessKey: input.submittedBy },
        );
      } catch (err) {
        if (failureType(err) !== 'oom' || vramProfile === 'low') throw err;
        vramProfile = 'low';
        await control.trainingEvent({
          runId,
          kind: 'oom_retry',
          message: 'The GPU ran out of memory: trying again with a lower-memory profile (slower; no 1024 px images)',
          vramProfile,
        });
      }
    }

    let checkpoint = result.checkpoint;
    if (patched(LIKENESS_PATCH)) {
      try {
        ({ checkpoint } = await likeness.recommendCheckpoint({ runId, name: plan.name, finalCheckpoint: result.checkpoint }));
      } catch (err) {
        // The training succeeded: a likeness that cannot be measured never costs the run its LoRA.
        if (isCancellation(err)) throw err;
        await control.trainingEvent({
          runId,
          kind: 'likeness',
          message: `Likeness could not be measured (${describeFailure(err)}): the final checkpoint is used`,
        });
      }
    }
    const loraId = await control.registerLora({ runId, checkpoint });
    await control.trainingFinished({ runId, status: 'completed', message: `Training completed after ${result.step} steps` });
    setStatus('completed');
    return { loraId, steps: result.step };
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        const kept = name ? await control.keepStoppedTraining({ runId, name }) : null;
        await control.trainingFinished({
          runId,
          status: 'stopped',
          message: kept ? `Stopped; the checkpoint at step ${kept.step} was kept as a LoRA` : 'Stopped before the first checkpoint',
        });
        // After the run shows it stopped: nobody waits on the curve's last points.
        if (name && patched(LIKENESS_PATCH)) {
          await likeness.scoreTrainingLikeness({ runId }).catch((failure: unknown) =>
            log.warn(`The likeness of a stopped run could not be completed: ${describeFailure(failure)}`, { event: 'training.likeness_failed' }),
          );
        }
      });
      setStatus('stopped');
      throw err;
    }
    await CancellationScope.nonCancellable(() =>
      control.trainingFinished({
        runId,
        status: 'failed',
        message: describeFailure(err),
        errorCode: failureType(err) ?? 'failed',
        errorMessage: describeFailure(err),
      }),
    );
    setStatus('failed');
    throw err;
  }
}
