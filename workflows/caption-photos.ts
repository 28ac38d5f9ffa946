import { CancellationScope, isCancellation, upsertSearchAttributes } from '@temporalio/workflow';
import { STATUS } from '../lib/temporal/search-attributes';
import { control, localControl } from './activity-proxies';
import { describeFailure } from './failures';
import { withPinnedGpu, type GpuTimeouts } from './gpu-pinning';

export interface CaptionPhotosInput {
  jobId: string;
  gpuTimeouts?: GpuTimeouts;
  /** Who asked: jobs of different people share the GPUs fairly. */
  submittedBy?: string;
}

/**
 * Photos per GPU activity: each batch's captions are recorded as soon as it is done, so progress shows and a crash
 * loses at most one batch. (The real captioner loads its model once per batch; the cost is a few seconds each.)
 */
export const CAPTION_BATCH = 4;

function setStatus(status: 'running' | 'completed' | 'failed' | 'cancelled'): void {
  upsertSearchAttributes([{ key: STATUS, value: status }]);
}

/**
 * "Write captions" for one character (issue 24): choose the photos → acquire a GPU → caption them batch by batch on
 * that worker, recording each batch's captions as they come → give the GPU back. A worker lost on the way hands the
 * rest to another one; the batches recorded stay. Cancel stops the engine and keeps what was recorded.
 */
export async function captionPhotos(input: CaptionPhotosInput): Promise<{ captioned: number; written: number }> {
  const { jobId } = input;
  try {
    const plan = await control.captionJobStarted({ jobId });
    setStatus('running');
    let next = 0;
    let written = 0;
    if (plan.photos.length > 0) {
      const leaseId = `captions-${jobId}`;
      await withPinnedGpu(
        leaseId,
        async ({ activities }) => {
          while (next < plan.photos.length) {
            const batch = plan.photos.slice(next, next + CAPTION_BATCH);
            const captions = await activities.captionPhotos({
              jobId,
              leaseId,
              style: plan.style,
              photos: batch.map(({ photoId, filePath, faceBox }) => ({ photoId, filePath, faceBox })),
            });
            written += await localControl.captionsWritten({ jobId, explicit: plan.explicit, captions });
            next += batch.length;
          }
        },
        { timeouts: input.gpuTimeouts, fairnessKey: input.submittedBy },
      );
    }
    await control.captionJobFinished({ jobId, status: 'completed', message: null });
    setStatus('completed');
    return { captioned: next, written };
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() =>
      control.captionJobFinished({ jobId, status: cancelled ? 'cancelled' : 'failed', message: cancelled ? null : describeFailure(err) }),
    );
    setStatus(cancelled ? 'cancelled' : 'failed');
    throw err;
  }
}
