import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { getCharacter } from '../../db/repositories/characters';
import {
  activeTrainingRun,
  createTrainingRun,
  finishTrainingRun,
  getTrainingRow,
  getTrainingRun,
  getTrainingSample,
  listAllTrainingRuns,
  BadRunCursorError,
  listTrainingRuns,
  requestTrainingStop,
  trainingRunByIdempotencyKey,
} from '../../db/repositories/trainings';
import { engineVersion } from '../../plugins/versions';
import { getLora, lorasOfRun, toLora } from '../../db/repositories/loras';
import { registerLora } from '../../activities/control/register-lora';
import { runCheckpoints } from '../../activities/control/run-checkpoints';
import {
  continuedSettings,
  continueTrainingInput,
  engineJobName,
  resolveSettings,
  startTrainingInput,
  trainingRunListQuery,
  type PresetId,
  type TrainingRun,
  type TrainingSettings,
} from '../../lib/contracts/training';
import { trainingEstimateQuery } from '../../lib/contracts/training-estimate';
import { CHARACTER_ID, KIND, STATUS } from '../../lib/temporal/search-attributes';
import { CONTROL_QUEUE } from '../../lib/temporal/queues';
import { createTrainingEngine } from '../../plugins/training/registry';
import { gpuTimeoutsFor } from '../../workflows/gpu-pinning';
import { saveNowSignal, trainLora } from '../../workflows/train-lora';
import type { ApiDeps } from '../deps';
import { trainingOrphan } from '../jobs/reconciler';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { idempotencyKeyOf, onceFor } from '../idempotency';
import { requireFreeSpace } from '../middleware/disk-space';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';
import { principalOf } from '../principal';
import { localCopy, sendStoredFile } from '../send-file';
import { streamRecord } from '../sse';
import { estimateTraining } from '../trainings/estimate';
import { requireTrainablePhotos } from '../trainings/photo-gate';

const CACHE = 'private, max-age=3600';

/** Training runs: start one from a preset, follow it live, stop it, save now, download samples and checkpoints. */
export function trainingsRouter(deps: ApiDeps): { byCharacter: Router; byRun: Router } {
  const { db: { db }, temporal, logger, config } = deps;
  const root = config.storage.root;
  const trainingEngine = createTrainingEngine(config);
  /** A run's checkpoints, from the store while it trains on a GPU worker of its own data root. */
  const checkpointsOf = (id: string) => runCheckpoints(deps.artifacts, trainingEngine, { root, runId: id, name: engineJobName(id) });
  const byCharacter = Router({ mergeParams: true });
  const byRun = Router();

  byCharacter.post('/:id/trainings', requireJson, requireFreeSpace(deps), async (req, res) => {
    const characterId = idParam(req.params.id);
    const input = parseOrThrow(startTrainingInput, req.body);
    const character = await getCharacter(db, characterId);
    if (!character) throw notFound('Character');
    const settings = (() => {
      try {
        return resolveSettings(input.preset, input.advanced);
      } catch (err) {
        throw new HttpError(400, 'validation_failed', `These settings do not work together: ${(err as Error).message}`);
      }
    })();
    const { run, repeated } = await submitRun(req, res, character, async (idempotencyKey) => {
      await requireTrainablePhotos(db, character, input.confirmFewPhotos === true);
      return createTrainingRun(db, {
        id: randomUUID(),
        characterId,
        preset: input.preset,
        advanced: input.advanced ?? {},
        settings,
        engineVersion: engineVersion(trainingEngine),
        idempotencyKey,
        correlationId: req.correlationId,
      });
    });
    if (!repeated) logger.info('training.submitted', `Training of "${character.name}" submitted (${input.preset})`, { runId: run.id, characterId });
  });

  /**
   * Continues an ended run for more steps, as a new run (the character's next LoRA version) whose engine resumes the
   * run's last checkpoint, with the settings a resume can change (lib/contracts/training.ts: continueTrainingInput).
   */
  byRun.post('/:id/continue', requireJson, requireFreeSpace(deps), async (req, res) => {
    const id = idParam(req.params.id);
    const input = parseOrThrow(continueTrainingInput, req.body);
    const source = await getTrainingRow(db, id);
    if (!source) throw notFound('Training run');
    if (source.status === 'queued' || source.status === 'running') {
      throw new HttpError(409, 'conflict', 'This training is still running: stop it or wait for it to finish, then continue it');
    }
    const last = (await checkpointsOf(id)).at(-1);
    if (!last) {
      throw new HttpError(
        409,
        'conflict',
        'This run has no checkpoint left to continue from (it stopped before its first save, or its checkpoints were deleted): start a new training instead',
      );
    }
    const character = await getCharacter(db, source.characterId);
    if (!character) throw notFound('Character');
    const settings = (() => {
      try {
        return continuedSettings(source.settings as unknown as TrainingSettings, last.step, input);
      } catch (err) {
        throw new HttpError(400, 'validation_failed', `These settings do not work together: ${(err as Error).message}`);
      }
    })();
    const { run, repeated } = await submitRun(req, res, character, (idempotencyKey) =>
      createTrainingRun(db, {
        id: randomUUID(),
        characterId: character.id,
        preset: source.preset as PresetId,
        advanced: { additionalSteps: input.additionalSteps, ...input.settings },
        settings,
        engineVersion: engineVersion(trainingEngine),
        idempotencyKey,
        correlationId: req.correlationId,
        continuedFrom: { runId: id, step: last.step },
        // A source that ran out of GPU memory on the standard profile would again: its continuation starts where it ended.
        vramProfile: source.vramProfile,
        events:
          source.vramProfile === 'low'
            ? [{ kind: 'low_vram', message: `Starts on the lower-memory profile, as run ${id.slice(0, 8)} ended on it after the GPU ran out of memory (slower; no 1024 px images)` }]
            : [],
      }),
    );
    if (repeated) return;
    logger.info('training.continue_submitted', `Continuation of run ${id} submitted: steps ${last.step} to ${settings.steps}`, {
      runId: run.id,
      sourceRunId: id,
      characterId: character.id,
    });
  });

  /**
   * Creates a run (once per Idempotency-Key; one active run per character) and starts its workflow; answers 202 with
   * the run. A run Temporal does not accept is closed at once as failed (503).
   */
  async function submitRun(
    req: Request,
    res: Response,
    character: { id: string; name: string },
    create: (idempotencyKey: string | undefined) => Promise<TrainingRun>,
  ): Promise<{ run: TrainingRun; repeated: boolean }> {
    const busy = (active: { id: string }) =>
      new HttpError(409, 'conflict', `${character.name} is already training (run ${active.id}); stop it or wait for it to finish`);
    const { job: run, repeated } = await onceFor(
      idempotencyKeyOf(req),
      (key) => trainingRunByIdempotencyKey(db, key),
      async (idempotencyKey) => {
        const active = await activeTrainingRun(db, character.id);
        if (active) throw busy(active);
        try {
          return await create(idempotencyKey);
        } catch (err) {
          // Another run of this character started at the same moment: the database holds one at a time.
          const winner = await activeTrainingRun(db, character.id);
          throw winner ? busy(winner) : err;
        }
      },
    );
    if (repeated) {
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(202).location(`/api/trainings/${run.id}`).json(run);
      return { run, repeated };
    }
    try {
      await temporal.workflow.start(trainLora, {
        taskQueue: CONTROL_QUEUE,
        workflowId: run.workflowId,
        args: [{ runId: run.id, gpuTimeouts: gpuTimeoutsFor(config.gpu.lostAfterSeconds), submittedBy: principalOf(req) }],
        typedSearchAttributes: [
          { key: KIND, value: 'training' },
          { key: CHARACTER_ID, value: character.id },
          { key: STATUS, value: 'queued' },
        ],
      });
    } catch (err) {
      const message = `Temporal did not accept the training: ${(err as Error).message}`;
      await finishTrainingRun(db, run.id, { status: 'failed', errorCode: 'unavailable', errorMessage: message, message });
      throw new HttpError(503, 'unavailable', message);
    }
    res.status(202).location(`/api/trainings/${run.id}`).json(run);
    return { run, repeated };
  }

  byCharacter.get('/:id/trainings', deps.lists.cached, async (req, res) => {
    const characterId = idParam(req.params.id);
    const items = await listTrainingRuns(db, characterId);
    if (items.length === 0 && !(await getCharacter(db, characterId))) throw notFound('Character');
    res.json({ items });
  });

  /** Every run of every character (the Training page), newest first, in pages; filters: status, characterId, preset. */
  byRun.get('/', deps.lists.cached, async (req, res) => {
    const query = parseOrThrow(trainingRunListQuery, req.query, 'query');
    try {
      res.json(await listAllTrainingRuns(db, query));
    } catch (err) {
      if (err instanceof BadRunCursorError) throw new HttpError(400, 'validation_failed', `Invalid query: ${err.message}`);
      throw err;
    }
  });

  /** How long a run of a preset (and the advanced settings that change its duration) would take on this instance's GPU. */
  byRun.get('/estimate', async (req, res) => {
    const { preset, ...advanced } = parseOrThrow(trainingEstimateQuery, req.query, 'query');
    const settings = (() => {
      try {
        return resolveSettings(preset, advanced);
      } catch (err) {
        throw new HttpError(400, 'validation_failed', `These settings do not work together: ${(err as Error).message}`);
      }
    })();
    res.json(await estimateTraining(db, trainingEngine, settings, config.gpu.lostAfterSeconds));
  });

  byRun.get('/:id', async (req, res) => {
    const run = await getTrainingRun(db, idParam(req.params.id));
    if (!run) throw notFound('Training run');
    res.json(run);
  });

  /**
   * Live progress as server-sent events: `training` events carrying the whole run (its loss series is
   * downsampled), with the run's event sequence as id. A client reconnecting with Last-Event-ID gets the current
   * state at once if anything changed meanwhile, and nothing is replayed twice.
   */
  byRun.get('/:id/events', async (req, res) => {
    const id = idParam(req.params.id);
    const versioned = async () => {
      const row = await getTrainingRow(db, id);
      return row && { version: row.progressSeq, load: () => getTrainingRun(db, id) };
    };
    const initial = await versioned();
    if (!initial) throw notFound('Training run');
    streamRecord(req, res, {
      changes: deps.changes,
      key: id,
      event: 'training',
      initial,
      current: versioned,
      onError: (err) => logger.warn('training.stream_failed', `Event stream update failed: ${(err as Error).message}`, { runId: id }),
    });
  });

  /**
   * Asks the workflow to stop the run, having noted the request on it (it shows "Stopping" and its step stops
   * counting). The engine saves a checkpoint and exits within a step or so; a run whose workflow is gone from
   * Temporal cannot be stopped by it, so it is closed here at once.
   */
  byRun.post('/:id/stop', async (req, res) => {
    const id = idParam(req.params.id);
    const run = await getTrainingRow(db, id);
    if (!run) throw notFound('Training run');
    if (!(await requestTrainingStop(db, id))) {
      const ended = (await getTrainingRow(db, id)) ?? run;
      throw new HttpError(409, 'conflict', `This training has already ${ended.status === 'completed' ? 'completed' : ended.status}`);
    }
    deps.changes.publish(id);
    logger.info('training.stop_requested', 'Stop requested', { runId: id });
    try {
      await temporal.workflow.getHandle(run.workflowId).cancel();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      await deps.reconciler.settle(trainingOrphan(deps, run), 'stop');
    }
    res.status(202).json(await getTrainingRun(db, id));
  });

  byRun.post('/:id/save-now', async (req, res) => {
    const id = idParam(req.params.id);
    const run = await getTrainingRow(db, id);
    if (!run) throw notFound('Training run');
    if (run.status !== 'running' || run.stopRequestedAt) throw new HttpError(409, 'conflict', 'A checkpoint can only be saved while the training runs');
    await temporal.workflow.getHandle(run.workflowId).signal(saveNowSignal);
    logger.info('training.save_now_requested', 'Save-now requested', { runId: id });
    res.status(202).json({ requested: true });
  });

  byRun.get('/:id/samples/:sampleId', async (req, res) => {
    const sample = await getTrainingSample(db, idParam(req.params.id), idParam(req.params.sampleId));
    if (!sample) throw notFound('Sample');
    await sendStoredFile(res, await localCopy(deps.artifacts, sample.filePath), { what: 'Sample image', cacheControl: CACHE });
  });

  byRun.get('/:id/checkpoints', async (req, res) => {
    const id = idParam(req.params.id);
    const run = await getTrainingRow(db, id);
    if (!run) throw notFound('Training run');
    const checkpoints = await checkpointsOf(id);
    const loras = await lorasOfRun(db, id);
    // The recommended step is the final file when it is the final step (a step file of that step, if any, is not).
    const recommended = run.likeness?.recommended;
    const isRecommended = (c: { step: number; final: boolean }) =>
      recommended != null && c.step === recommended.step && c.final === (recommended.step === recommended.finalStep);
    res.json({
      items: checkpoints.map((c) => ({
        step: c.step,
        final: c.final,
        kept: c.kept,
        url: `/api/trainings/${id}/checkpoints/${c.final ? 'final' : c.step}`,
        loraId: loras.find((l) => l.steps === c.step)?.id ?? null,
        likeness: run.likeness?.curve.find((point) => point.step === c.step) ?? null,
        recommended: isRecommended(c),
      })),
    });
  });

  /** A checkpoint of a run, named by its step or "final". */
  async function checkpointOf(id: string, raw: unknown) {
    const which = String(raw);
    if (which !== 'final' && !/^\d{1,9}$/.test(which)) throw new HttpError(400, 'validation_failed', 'Checkpoint must be a step number or "final"');
    if (!(await getTrainingRow(db, id))) throw notFound('Training run');
    const checkpoints = await checkpointsOf(id);
    const found = checkpoints.find((c) => (which === 'final' ? c.final : !c.final && c.step === Number(which)));
    if (!found) throw notFound('Checkpoint');
    return { which, found };
  }

  byRun.get('/:id/checkpoints/:which', async (req, res) => {
    const id = idParam(req.params.id);
    const { which, found } = await checkpointOf(id, req.params.which);
    await sendStoredFile(res, await localCopy(deps.artifacts, found.key), {
      what: 'Checkpoint',
      cacheControl: CACHE,
      downloadName: `${id.slice(0, 8)}-${which === 'final' ? 'final' : `step-${which}`}${path.extname(found.path)}`,
    });
  });

  /** Turns a checkpoint into a LoRA of the character (a saved-now checkpoint, say), or answers the one it already is. */
  byRun.post('/:id/checkpoints/:which/lora', async (req, res) => {
    const id = idParam(req.params.id);
    const { found } = await checkpointOf(id, req.params.which);
    const { loraId, created } = await registerLora(
      { db, config, logger, artifacts: deps.artifacts },
      { runId: id, checkpoint: path.relative(root, found.path), event: `Checkpoint at step ${found.step} turned into a LoRA` },
    );
    deps.changes.publish(id);
    const lora = await getLora(db, loraId);
    if (!lora) throw notFound('LoRA');
    res.status(created ? 201 : 200).json(toLora(lora));
  });

  return { byCharacter, byRun };
}
