import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, upsertSearchAttributes } from '@temporalio/workflow';
import type { GeneratedImage } from '../activities/gpu/generate';
import type { GenerationParams } from '../lib/contracts/generations';
import { STATUS } from '../lib/temporal/search-attributes';
import { control } from './activities';
import { describeFailure } from './failures';
import { DEFAULT_GPU_TIMEOUTS, withPinnedGpu, type GpuTimeouts } from './gpu-pinning';

export interface GenerateImagesInput {
  generationId: string;
  params: GenerationParams;
  gpuTimeouts?: GpuTimeouts;
  /** Who asked: jobs of different people share the GPUs fairly. */
  submittedBy?: string;
}

function setStatus(status: 'running' | 'completed' | 'failed' | 'cancelled'): void {
  upsertSearchAttributes([{ key: STATUS, value: status }]);
}

function failureCode(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (cause instanceof ApplicationFailure ? cause.type : undefined) ?? 'failed';
}

/**
 * A generation (design §4): wait for a GPU (in Temporal's queue, behind training if need be) → run the graph on
 * that worker's ComfyUI and collect the images there → record them. Cancel interrupts the prompt.
 */
export async function generateImages(input: GenerateImagesInput): Promise<{ images: number }> {
  const { generationId } = input;
  const jobId = `generation-${generationId}`;
  try {
    const images: GeneratedImage[] = await withPinnedGpu(
      jobId,
      async ({ lease, activities }) => {
        await control.generationOnWorker({ generationId, workerId: lease.workerId });
        setStatus('running');
        return activities.generateImages({ generationId, jobId, params: input.params });
      },
      input.gpuTimeouts ?? DEFAULT_GPU_TIMEOUTS,
      input.submittedBy,
    );
    await control.generationCompleted({ generationId, images });
    setStatus('completed');
    return { images: images.length };
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() =>
      control.generationFinished({
        generationId,
        status: cancelled ? 'cancelled' : 'failed',
        code: cancelled ? 'cancelled' : failureCode(err),
        message: cancelled ? 'Cancelled' : describeFailure(err),
      }),
    );
    setStatus(cancelled ? 'cancelled' : 'failed');
    throw err;
  }
}
