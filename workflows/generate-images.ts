import { CancellationScope, CancelledFailure, patched } from '@temporalio/workflow';
import type { GenerationParams } from '../lib/contracts/generations';
import { localControl } from './activity-proxies';
import { recordGenerationEnding, setGenerationStatus as setStatus } from './generation-ending';
import { withPinnedGpu, type GpuTimeouts } from './gpu-pinning';
import { generateImagesAsReleasedBefore } from './legacy/generate-images-worker-records';

export interface GenerateImagesInput {
  generationId: string;
  params: GenerationParams;
  gpuTimeouts?: GpuTimeouts;
  /** Who asked: jobs of different people share the GPUs fairly. */
  submittedBy?: string;
}

/** Every generation this release starts takes the plain path; see README "Upgrading" for when the test goes. */
const PLAIN_PATH = 'generation-plain-path';

/**
 * A generation (design §4): acquire a GPU (waiting in Temporal's queue, behind training if need be) → generate on
 * that worker's ComfyUI, which writes the images → record them. Only this workflow, through its control activities,
 * moves the generation from one status to the next. Cancel, at any moment, interrupts the prompt in the engine,
 * frees the GPU slot and ends the generation `cancelled`, with no image kept.
 */
export async function generateImages(input: GenerateImagesInput): Promise<{ images: number }> {
  if (!patched(PLAIN_PATH)) return generateImagesAsReleasedBefore(input);
  const { generationId, params } = input;
  const jobId = `generation-${generationId}`;
  try {
    const images = await withPinnedGpu(
      jobId,
      async ({ lease, activities }) => {
        await localControl.generationOnWorker({ generationId, workerId: lease.workerId });
        setStatus('running');
        return activities.generateImages({ generationId, jobId, params });
      },
      { timeouts: input.gpuTimeouts, fairnessKey: input.submittedBy },
    );
    // A cancel that came after the engine finished still wins until the images are recorded: the record runs to its
    // end either way, and does not complete a generation whose cancel was asked for.
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('Cancelled');
    const outcome = await CancellationScope.nonCancellable(() => localControl.generationCompleted({ generationId, images }));
    if (outcome === 'cancelled') throw new CancelledFailure('Cancelled');
    setStatus('completed');
    return { images: images.length };
  } catch (err) {
    await recordGenerationEnding(generationId, err);
    throw err;
  }
}
