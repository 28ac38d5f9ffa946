import { CancellationScope, isCancellation, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ModelId } from '../lib/contracts/models';
import { needsCommitPin, type ModelFileSpec } from '../lib/models/catalogue';
import { STATUS } from '../lib/temporal/search-attributes';
import { control, downloads } from './activity-proxies';
import { describeFailure, failureType } from './failures';

export interface ProvisionModelsInput {
  modelId: ModelId;
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
 * Brings one model's files into models/base (issue 6; the captioner, issue 24): one download activity per file, in
 * order, each resumable and verified. Files that follow a branch are first pinned to one commit (the one an earlier
 * run recorded, else the branch's current one), so every file comes from the same commit. Cancel stops the current
 * transfer and keeps its bytes; a new run picks up from there.
 */
export async function provisionModels(input: ProvisionModelsInput): Promise<ProvisionModelsResult> {
  const { modelId } = input;
  setStatus('running');
  let files = input.files;
  const done: ProvisionModelsResult['files'] = [];
  let current: ModelFileSpec | undefined;
  try {
    if (files.some(needsCommitPin) && patched('models-pin-commit')) {
      current = files.find(needsCommitPin);
      files = await downloads.resolveModelCommit({ modelId, files });
    }
    await control.modelProvisioningStarted({ modelId, workflowId: workflowInfo().workflowId, files });
    for (const file of files) {
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
