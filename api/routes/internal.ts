import { timingSafeEqual } from 'node:crypto';
import express, { Router, type RequestHandler } from 'express';
import { createLiveLikeness } from '../../activities/control/likeness';
import { saveGpuWorkerReport } from '../../db/repositories/gpu-workers';
import { getGenerationRow, updateGeneration } from '../../db/repositories/generations';
import { applyTrainingReport, StaleReportError } from '../../db/repositories/trainings';
import { generationProgressReportSchema } from '../../lib/contracts/generation-report';
import { gpuWorkerReportSchema } from '../../lib/contracts/gpu-workers';
import { trainingReportSchema } from '../../lib/contracts/training-report';
import { internalToken } from '../../lib/internal-token';
import type { ApiDeps } from '../deps';
import { HttpError, parseOrThrow } from '../errors';
import { idParam } from '../params';

/** Only holders of the internal token (GPU workers) may call the internal API. */
function requireInternalToken(token: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req, _res, next) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      next(new HttpError(401, 'unauthorized', 'The internal API needs the internal token'));
      return;
    }
    next();
  };
}

/** A GPU worker id as configured (GPU_WORKER_ID): letters, digits and `._-`. */
function workerIdParam(raw: unknown): string {
  const id = String(raw);
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(id)) throw new HttpError(400, 'validation_failed', 'Invalid GPU worker id');
  return id;
}

/**
 * What GPU workers tell the control plane besides Temporal (they have no database credentials, design §3): how far
 * their jobs are, for the live view, and their own status. Never how a job ended: only its workflow says that.
 */
export function internalRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireInternalToken(internalToken(deps.config)), express.json({ limit: '2mb' }));
  // Samples are scored in the background as they arrive (off the event loop: the scorer runs in worker threads).
  const likeness = createLiveLikeness({ db: deps.db.db, config: deps.config, logger: deps.logger, artifacts: deps.artifacts, changed: (id) => deps.changes.publish(id) });

  router.post('/trainings/:id/report', async (req, res) => {
    const id = idParam(req.params.id);
    const report = parseOrThrow(trainingReportSchema, req.body);
    try {
      const seq = await applyTrainingReport(deps.db.db, id, report);
      deps.changes.publish(id);
      if (report.samples?.length) likeness.request(id);
      res.json({ seq });
    } catch (err) {
      if (err instanceof StaleReportError) throw new HttpError(409, 'conflict', err.message);
      throw err;
    }
  });

  router.post('/generations/:id/progress', async (req, res) => {
    const id = idParam(req.params.id);
    const { workerId, progress } = parseOrThrow(generationProgressReportSchema, req.body);
    const row = await getGenerationRow(deps.db.db, id);
    if (!row || row.status !== 'running' || row.gpuWorker !== workerId) throw new HttpError(409, 'conflict', 'This generation is not running on that worker');
    // Once a cancel was asked for, the bar stops where it was: the person waits for the end, not for more progress.
    if (!row.cancelRequestedAt) {
      await updateGeneration(deps.db.db, id, { progress });
      deps.changes.publish(id);
    }
    res.json({ progress });
  });

  router.post('/workers/:workerId', async (req, res) => {
    const workerId = workerIdParam(req.params.workerId);
    const report = parseOrThrow(gpuWorkerReportSchema, req.body);
    await saveGpuWorkerReport(deps.db.db, workerId, report);
    res.status(204).end();
  });

  return router;
}
