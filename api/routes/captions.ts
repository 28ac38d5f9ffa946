import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Router } from 'express';
import { getCharacter } from '../../db/repositories/characters';
import {
  applyCaptionToAll,
  CaptionJobBusyError,
  CaptionTooLongError,
  captionWorkflowId,
  createCaptionJob,
  finishCaptionJob,
  getCaptionJob,
  getCaptionJobRow,
  latestCaptionJob,
  replaceInCaptions,
  toCaptionJob,
} from '../../db/repositories/captions';
import { listPhotos } from '../../db/repositories/photos';
import { applyCaptionInput, replaceInCaptionsInput, startCaptionsInput, type CaptionJob } from '../../lib/contracts/captions';
import { CAPTIONER_CATALOGUE } from '../../lib/models/catalogue';
import { isProvisioned } from '../../lib/models/provisioned';
import { CONTROL_QUEUE } from '../../lib/temporal/queues';
import { CHARACTER_ID, KIND, STATUS } from '../../lib/temporal/search-attributes';
import { captionPhotos } from '../../workflows/caption-photos';
import { gpuTimeoutsFor } from '../../workflows/gpu-pinning';
import type { ApiDeps } from '../deps';
import { captionJobOrphan } from '../jobs/reconciler';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';
import { principalOf } from '../principal';

/**
 * Captions written for you (issue 24): "Write captions" for a character (a durable job, one at a time per
 * character), its progress, and the bulk edits: one caption for all, find/replace across the character's captions.
 */
export function captionsRouter(deps: ApiDeps): { byCharacter: Router; byJob: Router } {
  const { db: { db }, temporal, logger, config } = deps;
  const byCharacter = Router();
  const byJob = Router();

  async function liveCharacter(raw: unknown) {
    const character = await getCharacter(db, idParam(raw));
    if (!character) throw notFound('Character');
    return character;
  }

  /** While running, photos done in the current batch come from the GPU activity's last heartbeat. */
  async function withLiveProgress(job: CaptionJob): Promise<CaptionJob> {
    if (job.status !== 'running') return job;
    try {
      const description = await temporal.workflow.getHandle(`captions-${job.id}`).describe();
      for (const activity of description.raw.pendingActivities ?? []) {
        const payload = activity.heartbeatDetails?.payloads?.[0];
        if (!payload) continue;
        const details = defaultPayloadConverter.fromPayload<{ done?: number }>(payload);
        if (typeof details?.done === 'number') return { ...job, done: Math.min(job.total, job.done + details.done) };
      }
    } catch {
      // Temporal unreachable: the stored row is still a correct, if older, answer.
    }
    return job;
  }

  byCharacter.post('/:id/captions', requireJson, async (req, res) => {
    const character = await liveCharacter(req.params.id);
    const input = parseOrThrow(startCaptionsInput, req.body ?? {});
    // Production runs a real model, downloaded on the Models page like the base models (fast-test simulates it).
    const missingModel = config.mode === 'fast-test' ? undefined : CAPTIONER_CATALOGUE.find((m) => !isProvisioned(m, config.storage.baseModels));
    if (missingModel) {
      throw new HttpError(409, 'conflict', `The captioning model ${missingModel.label} is not downloaded yet: download it on the Models page, then write captions`, {
        modelId: missingModel.id,
        modelsPage: '/models',
      });
    }
    if (input.photoIds) {
      const own = new Set((await listPhotos(db, character.id)).map((p) => p.id));
      const foreign = input.photoIds.filter((id) => !own.has(id));
      if (foreign.length > 0) throw new HttpError(400, 'validation_failed', `photoIds: not photos of ${character.name}: ${foreign.join(', ')}`);
    }
    let job: CaptionJob;
    try {
      job = await createCaptionJob(db, { id: randomUUID(), characterId: character.id, style: input.style, photoIds: input.photoIds, correlationId: req.correlationId });
    } catch (err) {
      if (err instanceof CaptionJobBusyError) {
        throw new HttpError(409, 'conflict', `Captions are already being written for ${character.name}; wait for that job to end`, { job: err.running });
      }
      throw err;
    }
    try {
      await temporal.workflow.start(captionPhotos, {
        taskQueue: CONTROL_QUEUE,
        workflowId: captionWorkflowId(job.id),
        args: [{ jobId: job.id, gpuTimeouts: gpuTimeoutsFor(config.gpu.lostAfterSeconds), submittedBy: principalOf(req) }],
        typedSearchAttributes: [
          { key: KIND, value: 'captions' },
          { key: CHARACTER_ID, value: character.id },
          { key: STATUS, value: 'queued' },
        ],
      });
    } catch (err) {
      const message = `Temporal did not accept the caption job: ${(err as Error).message}`;
      await finishCaptionJob(db, job.id, 'failed', message);
      throw new HttpError(503, 'unavailable', message);
    }
    logger.info('captions.submitted', `Writing ${input.style} captions requested`, {
      captionJobId: job.id,
      characterId: character.id,
      photos: input.photoIds?.length ?? 'all',
    });
    res.status(202).location(`/api/caption-jobs/${job.id}`).json(job);
  });

  byCharacter.get('/:id/caption-jobs/latest', async (req, res) => {
    const character = await liveCharacter(req.params.id);
    const job = await latestCaptionJob(db, character.id);
    res.json({ job: job ? await withLiveProgress(job) : null });
  });

  byCharacter.post('/:id/captions/apply-all', requireJson, async (req, res) => {
    const character = await liveCharacter(req.params.id);
    const { caption } = parseOrThrow(applyCaptionInput, req.body);
    const changed = await applyCaptionToAll(db, character.id, caption);
    logger.info('captions.applied_to_all', `One caption applied to all photos: ${changed} changed`, { characterId: character.id, changed });
    res.json({ changed });
  });

  byCharacter.post('/:id/captions/replace', requireJson, async (req, res) => {
    const character = await liveCharacter(req.params.id);
    const input = parseOrThrow(replaceInCaptionsInput, req.body);
    try {
      const changed = await replaceInCaptions(db, character.id, input);
      logger.info('captions.replaced', `Find/replace across the captions: ${changed} changed`, { characterId: character.id, changed });
      res.json({ changed });
    } catch (err) {
      if (err instanceof CaptionTooLongError) throw new HttpError(400, 'validation_failed', `replace: ${err.message}`, { photoId: err.photoId });
      throw err;
    }
  });

  byJob.get('/:id', async (req, res) => {
    const job = await getCaptionJob(db, idParam(req.params.id));
    if (!job) throw notFound('Caption job');
    res.json(await withLiveProgress(job));
  });

  byJob.post('/:id/cancel', async (req, res) => {
    const job = await getCaptionJobRow(db, idParam(req.params.id));
    if (!job) throw notFound('Caption job');
    if (job.status === 'queued' || job.status === 'running') {
      try {
        await temporal.workflow.getHandle(job.workflowId).cancel();
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // Its workflow is gone (or already closed): the reconciler closes the job as cancelled.
        await deps.reconciler.settle(captionJobOrphan(deps, job), 'cancel');
      }
      logger.info('captions.cancel_requested', 'Caption job cancel requested', { captionJobId: job.id });
    }
    res.status(202).json((await getCaptionJob(db, job.id)) ?? toCaptionJob(job));
  });

  return { byCharacter, byJob };
}
