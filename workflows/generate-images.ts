import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { GeneratedImage } from '../lib/contracts/generation-report';
import type { GenerationParams } from '../lib/contracts/generations';
import { STATUS } from '../lib/temporal/search-attributes';
import { control, localControl } from './activities';
import { describeFailure } from './failures';
import { withPinnedGpu, type GpuTimeouts } from './gpu-pinning';

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

/** Histories from before the GPU worker recorded the job's progress and images itself replay the steps they recorded. */
const WORKER_RECORDS = 'generation-worker-records';
/** Histories from before the overlap replay the one-by-one steps they recorded. */
const OVERLAPPED_STEPS = 'generation-overlapped-steps';
/** Histories from before the images were recorded by a local activity replay the queued activity they recorded. */
const LOCAL_RECORD = 'generation-local-record';

/**
 * Waits for both (neither may still be writing when the workflow records how the generation ended), then answers
 * the main work's value, or its failure before the side's (a lost GPU worker must be seen as such).
 */
async function settledBoth<T>(side: Promise<unknown>, main: Promise<T>): Promise<T> {
  const [a, b] = await Promise.allSettled([side, main]);
  if (b.status === 'rejected') throw b.reason;
  if (a.status === 'rejected') throw a.reason;
  return b.value;
}

function failureCode(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (cause instanceof ApplicationFailure ? cause.type : undefined) ?? 'failed';
}

/**
 * A generation (design §4): wait for a GPU (in Temporal's queue, behind training if need be) → run the graph on
 * that worker's ComfyUI and collect the images there → record them (through the control plane, as soon as they are
 * written; here if that failed). Cancel interrupts the prompt.
 */
export async function generateImages(input: GenerateImagesInput): Promise<{ images: number }> {
  const { generationId } = input;
  const jobId = `generation-${generationId}`;
  const pinning = { timeouts: input.gpuTimeouts, fairnessKey: input.submittedBy };
  try {
    let count: number;
    if (patched(WORKER_RECORDS)) {
      // The GPU worker starts the prompt as soon as it takes the slot, says when the generation runs, records its
      // images through the control plane and gives its slot back itself: nothing is left between recorded pictures
      // and the end but this workflow's last task.
      const outcome = await withPinnedGpu(
        jobId,
        async ({ activities }) => {
          setStatus('running');
          return activities.generateAndRecord({ generationId, jobId, params: input.params });
        },
        { ...pinning, workReleasesSlot: true, generation: { generationId, params: input.params } },
      );
      if (!outcome.recorded) await localControl.generationCompleted({ generationId, images: outcome.images });
      count = outcome.images.length;
    } else if (patched(OVERLAPPED_STEPS)) {
      // The "running" record and the images, then the slot's release and the images' record, each pair at once.
      const images = await withPinnedGpu(
        jobId,
        async ({ lease, activities }) => {
          setStatus('running');
          return settledBoth(
            control.generationOnWorker({ generationId, workerId: lease.workerId }),
            activities.generateImages({ generationId, jobId, params: input.params }),
          );
        },
        {
          ...pinning,
          afterWork: (generated) => (patched(LOCAL_RECORD) ? localControl : control).generationCompleted({ generationId, images: generated }),
        },
      );
      count = images.length;
    } else {
      const images: GeneratedImage[] = await withPinnedGpu(
        jobId,
        async ({ lease, activities }) => {
          await control.generationOnWorker({ generationId, workerId: lease.workerId });
          setStatus('running');
          return activities.generateImages({ generationId, jobId, params: input.params });
        },
        pinning,
      );
      await control.generationCompleted({ generationId, images });
      count = images.length;
    }
    setStatus('completed');
    return { images: count };
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
