import { CancellationScope, isCancellation, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { BaseModelId } from '../lib/contracts/generations';
import type { ModelFileSpec } from '../lib/models/catalogue';
import { STATUS } from '../lib/temporal/search-attributes';
import { control, downloads } from './activity-proxies';
import { describeFailure, failureType } from './failures';

export interface ProvisionModelsInput {
  modelId: BaseModelId;
  /** The catalogue entries, as the API resolved them: the history records exactly what was fetched. */
  files: ModelFileSpec[];
}

export interface ProvisionModelsResult {
  files: Array<{ id: string; sha256: string; sizeBytes: number; alreadyPresent: boolean }>;
}

function setStatus(status: 'running' | 'completed' | 'failed' | 'cancelled'): void {
  upsertSearchAttributes([{ key: STATUS, value: status }]);
}

/**
 * Brings one base model's files into models/base (issue 6): one download activity per file, in order, each
 * resumable and verified. Cancel stops the current transfer and keeps its bytes; a new run picks up from there.
 */
export async function provisionModels(input: ProvisionModelsInput): Promise<ProvisionModelsResult> {
  const { modelId } = input;
  setStatus('running');
  await control.modelProvisioningStarted({ modelId, workflowId: workflowInfo().workflowId, files: input.files });
  const done: ProvisionModelsResult['files'] = [];
  let current: ModelFileSpec | undefined;
  try {
    for (const file of input.files) {
      current = file;
      const result = await downloads.downloadModelFile({ modelId, file });
      done.push({ id: file.id, sha256: result.sha256, sizeBytes: result.sizeBytes, alreadyPresent: result.alreadyPresent });
    }
    await control.modelProvisioningCompleted({ modelId, files: done.length });
    setStatus('completed');
    return { files: done };
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() =>
      control.modelProvisioningEnded({
        modelId,
        file: cancelled ? undefined : current,
        outcome: cancelled ? 'cancelled' : 'failed',
        code: cancelled ? 'cancelled' : failureType(err) ?? 'failed',
        message: cancelled ? 'Cancelled' : describeFailure(err),
      }),
    );
    setStatus(cancelled ? 'cancelled' : 'failed');
    throw err;
  }
}
