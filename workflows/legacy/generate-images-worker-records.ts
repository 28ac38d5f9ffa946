import { CancellationScope, deprecatePatch, isCancellation, upsertSearchAttributes } from '@temporalio/workflow';
import { STATUS } from '../../lib/temporal/search-attributes';
import { control, localControl } from '../activity-proxies';
import { describeFailure, failureType } from '../failures';
import type { GenerateImagesInput } from '../generate-images';
import { withPinnedGpu } from '../gpu-pinning';

/**
 * Generations that the release before this one started, and that are still open when it is upgraded, finish the
 * way they began: that release's GPU worker started the prompt as it took the slot, recorded the images itself and
 * gave its slot back (today's GPU worker answers `generateAndRecord` with `recorded: false`, so the images are
 * recorded here, and the slot is freed once the workflow has ended). Nothing new runs this code. It goes in the next
 * release, once no such generation can be open (README, "Upgrading").
 */
const WORKER_RECORDS = 'generation-worker-records';

function setStatus(status: 'running' | 'completed' | 'failed' | 'cancelled'): void {
  upsertSearchAttributes([{ key: STATUS, value: status }]);
}

export async function generateImagesAsReleasedBefore(input: GenerateImagesInput): Promise<{ images: number }> {
  deprecatePatch(WORKER_RECORDS);
  const { generationId } = input;
  const jobId = `generation-${generationId}`;
  try {
    const outcome = await withPinnedGpu(
      jobId,
      async ({ activities }) => {
        setStatus('running');
        return activities.generateAndRecord({ generationId, jobId, params: input.params });
      },
      { timeouts: input.gpuTimeouts, fairnessKey: input.submittedBy, slotFreedByWork: true },
    );
    if (!outcome.recorded) await localControl.generationCompleted({ generationId, images: outcome.images });
    setStatus('completed');
    return { images: outcome.images.length };
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() =>
      control.generationFinished({
        generationId,
        status: cancelled ? 'cancelled' : 'failed',
        code: cancelled ? 'cancelled' : (failureType(err) ?? 'failed'),
        message: cancelled ? 'Cancelled' : describeFailure(err),
      }),
    );
    setStatus(cancelled ? 'cancelled' : 'failed');
    throw err;
  }
}
