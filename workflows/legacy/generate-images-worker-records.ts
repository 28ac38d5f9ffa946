import { deprecatePatch } from '@temporalio/workflow';
import { localControl } from '../activity-proxies';
import type { GenerateImagesInput } from '../generate-images';
import { recordGenerationEnding, setGenerationStatus as setStatus } from '../generation-ending';
import { withPinnedGpu } from '../gpu-pinning';

/**
 * Generations that the release before this one started, and that are still open when it is upgraded, finish the
 * way they began: that release's GPU worker started the prompt as it took the slot, recorded the images itself and
 * gave its slot back (today's GPU worker answers `generateAndRecord` with `recorded: false`, so the images are
 * recorded here, and the slot is freed once the workflow has ended). Nothing new runs this code. It goes in the next
 * release, once no such generation can be open (README, "Upgrading").
 */
const WORKER_RECORDS = 'generation-worker-records';

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
    await recordGenerationEnding(generationId, err);
    throw err;
  }
}
