import { CancellationScope, isCancellation, upsertSearchAttributes } from '@temporalio/workflow';
import { STATUS } from '../lib/temporal/search-attributes';
import { control } from './activity-proxies';
import { describeFailure, failureType } from './failures';

export function setGenerationStatus(status: 'running' | 'completed' | 'failed' | 'cancelled'): void {
  upsertSearchAttributes([{ key: STATUS, value: status }]);
}

/** Records how a generation ended without its images (cancelled, or failed with the reason), even while cancelled. */
export async function recordGenerationEnding(generationId: string, err: unknown): Promise<void> {
  const cancelled = isCancellation(err);
  await CancellationScope.nonCancellable(() =>
    control.generationFinished({
      generationId,
      status: cancelled ? 'cancelled' : 'failed',
      code: cancelled ? 'cancelled' : (failureType(err) ?? 'failed'),
      message: cancelled ? 'Cancelled' : describeFailure(err),
    }),
  );
  setGenerationStatus(cancelled ? 'cancelled' : 'failed');
}
