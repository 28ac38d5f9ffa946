import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { defaultPayloadConverter } from '@temporalio/common';
import { createSelfTest, finishSelfTest, getSelfTest } from '../../db/repositories/self-tests';
import { createSelfTestInput, type SelfTest } from '../../lib/contracts/self-tests';
import { CONTROL_QUEUE } from '../../lib/temporal/queues';
import { KIND, STATUS } from '../../lib/temporal/search-attributes';
import { gpuTimeoutsFor } from '../../workflows/gpu-pinning';
import { selfTest } from '../../workflows/self-test';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';

/**
 * The pipeline self-test: one click proves that the API, Temporal, the control worker, a GPU worker, the shared
 * storage and the database work together. Operators run it after a deployment.
 */
export function selfTestsRouter({ db: { db }, temporal, logger, config }: ApiDeps): Router {
  const router = Router();

  router.post('/', requireJson, async (req, res) => {
    const input = parseOrThrow(createSelfTestInput, req.body ?? {});
    const row = await createSelfTest(db, { id: randomUUID(), steps: input.steps });
    try {
      await temporal.workflow.start(selfTest, {
        taskQueue: CONTROL_QUEUE,
        workflowId: row.workflowId,
        args: [
          {
            id: row.id,
            steps: input.steps,
            stepMs: input.stepMs,
            gpuTimeouts: gpuTimeoutsFor(config.gpu.lostAfterSeconds),
          },
        ],
        typedSearchAttributes: [
          { key: KIND, value: 'self-test' },
          { key: STATUS, value: 'queued' },
        ],
      });
    } catch (err) {
      const message = `Temporal did not accept the workflow: ${(err as Error).message}`;
      await finishSelfTest(db, row.id, { status: 'failed', errorMessage: message });
      throw new HttpError(503, 'unavailable', message);
    }
    logger.info('selftest.submitted', 'Self-test submitted', { selfTestId: row.id, workflowId: row.workflowId });
    res.status(202).location(`/api/self-tests/${row.id}`).json(row);
  });

  router.get('/:id', async (req, res) => {
    const row = await getSelfTest(db, idParam(req.params.id));
    if (!row) throw notFound('Self-test');
    res.json(row.status === 'running' ? await withLiveStep(row) : row);
  });

  /** While running, the step comes from the GPU activity's last heartbeat (no history events, no polling the worker). */
  async function withLiveStep(row: SelfTest): Promise<SelfTest> {
    try {
      const description = await temporal.workflow.getHandle(row.workflowId).describe();
      for (const activity of description.raw.pendingActivities ?? []) {
        const payload = activity.heartbeatDetails?.payloads?.[0];
        if (!payload) continue;
        const details = defaultPayloadConverter.fromPayload<{ step?: number }>(payload);
        if (typeof details?.step === 'number') return { ...row, step: details.step };
      }
    } catch {
      // Temporal unreachable: the stored row is still a correct, if older, answer.
    }
    return row;
  }

  return router;
}
