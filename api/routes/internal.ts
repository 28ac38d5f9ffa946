import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import { applyTrainingReport, StaleReportError } from '../../db/repositories/trainings';
import { trainingReportSchema } from '../../lib/contracts/training-report';
import { completeGeneration, getGenerationRow, markGenerationRunning, updateGeneration } from '../../db/repositories/generations';
import {
  generationOutputsReportSchema,
  generationProgressReportSchema,
  generationRunningReportSchema,
} from '../../lib/contracts/generation-report';
import { internalToken } from '../../lib/internal-token';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
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

/** What GPU workers tell the control plane (they have no database credentials, design §3). */
export function internalRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireInternalToken(internalToken(deps.config)), express.json({ limit: '2mb' }));

  router.post('/trainings/:id/report', async (req, res) => {
    const id = idParam(req.params.id);
    const report = parseOrThrow(trainingReportSchema, req.body);
    try {
      const seq = await applyTrainingReport(deps.db.db, id, report);
      deps.changes.publish(id);
      res.json({ seq });
    } catch (err) {
      if (err instanceof StaleReportError) throw new HttpError(409, 'conflict', err.message);
      throw err;
    }
  });

  /** Why a report about an ended (or unknown) generation was refused. */
  const refusal = (row: { status: string } | undefined) =>
    row ? new HttpError(409, 'conflict', `This generation has already ${row.status === 'cancelled' ? 'been cancelled' : row.status}`) : notFound('Generation');

  /** The engine of a GPU worker has accepted the generation's prompt (again, on another worker, if one was lost). */
  router.post('/generations/:id/running', async (req, res) => {
    const id = idParam(req.params.id);
    const { workerId } = parseOrThrow(generationRunningReportSchema, req.body);
    if (!(await markGenerationRunning(deps.db.db, id, workerId))) throw refusal(await getGenerationRow(deps.db.db, id));
    deps.changes.publish(id);
    deps.logger.info('generation.running', `Generation running on GPU worker ${workerId}`, { generationId: id, workerId });
    res.json({ running: true });
  });

  router.post('/generations/:id/progress', async (req, res) => {
    const id = idParam(req.params.id);
    const { workerId, progress } = parseOrThrow(generationProgressReportSchema, req.body);
    const row = await getGenerationRow(deps.db.db, id);
    if (!row || row.status !== 'running' || row.gpuWorker !== workerId) throw new HttpError(409, 'conflict', 'This generation is not running on that worker');
    await updateGeneration(deps.db.db, id, { progress });
    deps.changes.publish(id);
    res.json({ progress });
  });

  /**
   * The images of a generation are written: recorded now, so the person sees them without waiting for the
   * workflow's own record (which then finds the generation complete). Refused once it has failed or been cancelled.
   */
  router.post('/generations/:id/outputs', async (req, res) => {
    const id = idParam(req.params.id);
    const { workerId, images } = parseOrThrow(generationOutputsReportSchema, req.body);
    const folder = path.posix.join('outputs', id);
    const outside = images.find((image) => path.posix.dirname(path.posix.normalize(image.filePath)) !== folder);
    if (outside) throw new HttpError(400, 'validation_failed', `Image ${outside.index} is not in ${folder}/`);
    const completed = await completeGeneration(deps.db.db, id, images, workerId);
    if (completed) {
      deps.changes.publish(id);
      deps.logger.info('generation.completed', `Generation completed with ${images.length} image(s)`, { generationId: id, workerId });
    } else {
      const row = await getGenerationRow(deps.db.db, id);
      if (row?.status !== 'completed') throw refusal(row);
    }
    res.json({ completed });
  });

  return router;
}
