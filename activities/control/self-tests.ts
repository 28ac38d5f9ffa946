import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import {
  addSelfTestWorker,
  finishSelfTest,
  markSelfTestRunning,
} from '../../db/repositories/self-tests';
import { artifactKey } from '../../lib/artifacts/keys';
import type { SelfTestProbeResult } from '../gpu/self-test-probe';
import type { ControlContext } from './context';

/** The control-plane half of the pipeline self-test: every state change lands in the database. */
export function createSelfTestActivities(ctx: ControlContext) {
  return {
    async selfTestStarted(input: { id: string }): Promise<void> {
      await markSelfTestRunning(ctx.db, input.id);
      ctx.logger.info('selftest.started', 'Self-test started', { selfTestId: input.id });
    },

    async selfTestOnWorker(input: { id: string; workerId: string }): Promise<void> {
      await addSelfTestWorker(ctx.db, input.id, input.workerId);
      ctx.logger.info('selftest.worker', `Self-test GPU part runs on ${input.workerId}`, input);
    },

    /** Reads back (through the artifact store) the file the GPU worker wrote: proves both sides share the storage. */
    async selfTestCompleted(input: { id: string; steps: number; probe: SelfTestProbeResult }): Promise<void> {
      let written: { workerId?: string; selfTestId?: string };
      try {
        written = JSON.parse(await readFile(await ctx.artifacts.pull(artifactKey(input.probe.storageFile)), 'utf8'));
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `The control plane cannot read ${input.probe.storageFile}, which the GPU worker wrote: ` +
            `the two do not share storage (${(err as Error).message})`,
          'StorageNotShared',
        );
      }
      const storageShared = written.selfTestId === input.id && written.workerId === input.probe.workerId;
      await finishSelfTest(ctx.db, input.id, {
        status: 'completed',
        step: input.steps,
        result: { ...input.probe, storageShared },
      });
      ctx.logger.info('selftest.completed', 'Self-test completed', { selfTestId: input.id, storageShared });
    },

    async selfTestFailed(input: { id: string; message: string }): Promise<void> {
      await finishSelfTest(ctx.db, input.id, { status: 'failed', errorMessage: input.message });
      ctx.logger.warn('selftest.failed', `Self-test failed: ${input.message}`, { selfTestId: input.id });
    },
  };
}
