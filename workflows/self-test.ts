import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import type { SelfTestProbeResult } from '../activities/gpu/self-test-probe';
import { STATUS } from '../lib/temporal/search-attributes';
import { control } from './activity-proxies';
import { describeFailure } from './failures';
import { withPinnedGpu, type GpuTimeouts } from './gpu-pinning';

export interface SelfTestInput {
  id: string;
  steps: number;
  stepMs: number;
  gpuTimeouts?: GpuTimeouts;
}

function setStatus(status: 'running' | 'completed' | 'failed'): void {
  upsertSearchAttributes([{ key: STATUS, value: status }]);
}

/**
 * The pipeline self-test: crosses every layer a real job does (API → workflow → control activity → GPU activity
 * pinned to its worker → shared storage → database) and survives the loss of its GPU worker.
 */
export async function selfTest(input: SelfTestInput): Promise<SelfTestProbeResult> {
  const jobId = `self-test-${input.id}`;
  setStatus('running');
  await control.selfTestStarted({ id: input.id });
  try {
    const probe = await withPinnedGpu(
      jobId,
      async ({ lease, activities, resume }) => {
        await control.selfTestOnWorker({ id: input.id, workerId: lease.workerId });
        const fromStep = (resume as { step?: number } | undefined)?.step ?? 0;
        return activities.selfTestProbe({ jobId, selfTestId: input.id, steps: input.steps, stepMs: input.stepMs, fromStep });
      },
      { timeouts: input.gpuTimeouts },
    );
    await control.selfTestCompleted({ id: input.id, steps: input.steps, probe });
    setStatus('completed');
    return probe;
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      control.selfTestFailed({ id: input.id, message: describeFailure(err) }),
    );
    setStatus('failed');
    throw err;
  }
}
