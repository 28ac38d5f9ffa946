import { randomInt, randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router, type Request } from 'express';
import { ZipFile } from 'yazl';
import {
  BadCursorError,
  createGeneration,
  deleteGeneration,
  deleteOutputs,
  getGeneration,
  getGenerationRow,
  getGenerationVersion,
  getOutput,
  getOutputs,
  generationByIdempotencyKey,
  getVersionedGeneration,
  gpuOccupants,
  listGenerations,
  requestGenerationCancel,
  setOutputFavourite,
  toOutput,
  UnknownOutputsError,
  updateGeneration,
  type GenerationRow,
  type OutputRow,
} from '../../db/repositories/generations';
import { getCharacter } from '../../db/repositories/characters';
import { getLora, toLora } from '../../db/repositories/loras';
import { getTrainingRow } from '../../db/repositories/trainings';
import { createTrainingEngine } from '../../plugins/training/registry';
import { engineJobName } from '../../lib/contracts/training';
import {
  galleryQuery,
  generationInput,
  outputPatch,
  outputRerunInput,
  outputsArchiveQuery,
  outputsDeleteInput,
  resolveGenerationParams,
  rerunInput,
  type CheckpointChoice,
  type Generation,
  type GenerationParams,
  type LoraSource,
} from '../../lib/contracts/generations';
import { artifactKey } from '../../lib/artifacts/keys';
import { isStored } from '../../lib/artifacts/store-calls';
import { runCheckpoints } from '../../activities/control/run-checkpoints';
import { within } from '../../lib/storage';
import { CONTROL_QUEUE } from '../../lib/temporal/queues';
import { CHARACTER_ID, KIND, STATUS } from '../../lib/temporal/search-attributes';
import { generateImages } from '../../workflows/generate-images';
import { gpuTimeoutsFor } from '../../workflows/gpu-pinning';
import type { ApiDeps } from '../deps';
import { generationOrphan } from '../jobs/reconciler';
import { RecentRead } from '../events/recent-read';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { idempotencyKeyOf, onceFor } from '../idempotency';
import { requireFreeSpace } from '../middleware/disk-space';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';
import { principalOf } from '../principal';
import { localCopy, sendStoredFile } from '../send-file';
import { streamRecord } from '../sse';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

/** A picture's name inside a zip: when it was made, its generation, its place in the batch and its seed. */
function archiveEntryName(output: OutputRow): string {
  const made = output.createdAt.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${made}_${output.generationId.slice(0, 8)}_${output.index + 1}_seed${output.seed}.png`;
}
/** Seeds up to 2^48: far more than enough variety, and exact in JSON and JavaScript numbers. */
const randomSeed = () => randomInt(0, 2 ** 48 - 1);

/**
 * Why queued generations wait, in plain words (design §4: "a generation waits in Temporal's queue while the GPU is
 * busy training; the UI says so").
 */
function gpuWaitReason({ training, generating }: Awaited<ReturnType<typeof gpuOccupants>>): string {
  if (training.length > 0) return `waiting for the GPU: training of ${training.join(', ')}`;
  if (generating) return 'waiting for the GPU: another generation is running';
  return 'waiting for a GPU worker';
}

/** Generations, the gallery, and the images. */
export function generationsRouter(deps: ApiDeps): { generations: Router; outputs: Router } {
  const { db: { db }, temporal, logger, config } = deps;
  const router = Router();
  const outputsRouter = Router();
  // A new generation's answer and its event stream's first event, moments apart, share one read.
  const occupants = new RecentRead(() => gpuOccupants(db), deps.changes);

  /** Says why the queued ones among these generations wait; asks the database only when one of them is queued. */
  async function explainWaits<T extends Generation | undefined>(items: T[]): Promise<T[]> {
    const queued = items.filter((g): g is NonNullable<T> => g?.status === 'queued');
    if (queued.length === 0) return items;
    const reason = gpuWaitReason(await occupants.get());
    for (const g of queued) g.waitingFor = reason;
    return items;
  }

  const trainingEngine = createTrainingEngine(config);

  /** A run's checkpoint as the generation's LoRA: the run exists, is the character's, and the file is there. */
  async function checkpointSource(choice: CheckpointChoice, characterId: string | undefined): Promise<LoraSource & { characterId: string }> {
    const refuse = (message: string, field: string, fieldMessage: string) => new HttpError(400, 'validation_failed', message, [{ field, message: fieldMessage }]);
    const run = await getTrainingRow(db, choice.runId);
    if (!run) throw refuse('No training run with this id: it may have been deleted', 'checkpoint.runId', 'Unknown training run');
    if (characterId && run.characterId !== characterId) {
      throw refuse('This training run belongs to another character', 'checkpoint.runId', 'A run of another character');
    }
    const checkpoints = await runCheckpoints(deps.artifacts, trainingEngine, { root: config.storage.root, runId: run.id, name: engineJobName(run.id) });
    const found = checkpoints.find((c) => (choice.step === 'final' ? c.final : !c.final && c.step === choice.step));
    if (!found) {
      const available = checkpoints.map((c) => (c.final ? 'final' : String(c.step))).join(', ') || 'none yet';
      const which = choice.step === 'final' ? 'no final checkpoint yet' : `no checkpoint at step ${choice.step} (the trainer keeps only the newest few)`;
      throw refuse(`This training run has ${which}; its checkpoints: ${available}`, 'checkpoint.step', 'No such checkpoint');
    }
    const character = await getCharacter(db, run.characterId);
    const which = found.final ? 'final' : `step ${found.step}`;
    return {
      id: null,
      fileName: found.key,
      name: `${character?.name ?? 'Run'} ${run.id.slice(0, 8)}, ${which}`,
      triggerWord: character?.triggerWord ?? '',
      baseModel: run.baseModel,
      checkpoint: { runId: run.id, step: found.step, final: found.final },
      characterId: run.characterId,
    };
  }

  async function start(
    req: Request,
    input: { params: GenerationParams; characterId: string | null; sourceGenerationId: string | null; idempotencyKey?: string },
  ): Promise<{ generation: Generation; repeated: boolean }> {
    const { params, characterId } = input;
    const submittedBy = principalOf(req);
    const { job: generation, repeated } = await onceFor(
      input.idempotencyKey,
      (key) => generationByIdempotencyKey(db, key),
      (idempotencyKey) => createGeneration(db, { id: randomUUID(), ...input, idempotencyKey, submittedBy, correlationId: req.correlationId }),
    );
    if (repeated) return { generation: (await explainWaits([generation]))[0]!, repeated };
    // The answer is worked out while Temporal takes the start (the workflow's first task comes back with it).
    const [started, explained] = await Promise.allSettled([
      temporal.workflow.start(generateImages, {
        taskQueue: CONTROL_QUEUE,
        workflowId: generation.workflowId,
        requestEagerStart: deps.eagerStart ?? false,
        args: [{ generationId: generation.id, params, gpuTimeouts: gpuTimeoutsFor(config.gpu.lostAfterSeconds), submittedBy }],
        typedSearchAttributes: [
          { key: KIND, value: 'generation' },
          ...(characterId ? [{ key: CHARACTER_ID, value: characterId }] : []),
          { key: STATUS, value: 'queued' },
        ],
      }),
      explainWaits([generation]),
    ]);
    if (started.status === 'rejected') {
      const message = `Temporal did not accept the generation: ${(started.reason as Error).message}`;
      await updateGeneration(db, generation.id, { status: 'failed', errorCode: 'unavailable', errorMessage: message, finishedAt: new Date() });
      throw new HttpError(503, 'unavailable', message);
    }
    if (explained.status === 'rejected') throw explained.reason;
    logger.info('generation.submitted', `Generation of ${params.batch} image(s) submitted`, { generationId: generation.id, loraId: params.lora?.id });
    return { generation: explained.value[0]!, repeated: false };
  }

  router.post('/', requireJson, requireFreeSpace(deps), async (req, res) => {
    const input = parseOrThrow(generationInput, req.body);
    let lora: LoraSource | null = null;
    // The generation's character is its LoRA's; `characterId` in the input only checks that it is the one meant.
    let characterId: string | null = null;
    if (input.loraId) {
      const row = await getLora(db, input.loraId);
      if (!row) throw new HttpError(400, 'validation_failed', 'No LoRA with this id: it may have been deleted', [{ field: 'loraId', message: 'Unknown LoRA' }]);
      if (input.characterId && row.characterId !== input.characterId) {
        throw new HttpError(400, 'validation_failed', 'This LoRA belongs to another character', [{ field: 'loraId', message: 'A LoRA of another character' }]);
      }
      const contract = toLora(row);
      lora = { id: row.id, fileName: contract.fileName, name: row.name, triggerWord: row.triggerWord, baseModel: row.baseModel };
      characterId = row.characterId;
    } else if (input.checkpoint) {
      const { characterId: owner, ...source } = await checkpointSource(input.checkpoint, input.characterId);
      lora = source;
      characterId = owner;
    }
    if (lora && input.baseModel && input.baseModel !== lora.baseModel) {
      const what = lora.id ? 'This LoRA was' : 'This checkpoint was';
      throw new HttpError(400, 'validation_failed', `${what} trained for ${lora.baseModel}; it cannot be used with ${input.baseModel}`, [
        { field: 'baseModel', message: `The LoRA needs ${lora.baseModel}` },
      ]);
    }
    const idempotencyKey = idempotencyKeyOf(req);
    const { generation, repeated } = await start(req, { params: resolveGenerationParams(input, lora, randomSeed), characterId, sourceGenerationId: null, idempotencyKey });
    if (repeated) res.setHeader('Idempotent-Replayed', 'true');
    res.status(202).location(`/api/generations/${generation.id}`).json(generation);
  });

  router.get('/', deps.lists.cached, async (req, res) => {
    const query = parseOrThrow(galleryQuery, req.query, 'query');
    try {
      const page = await listGenerations(db, query);
      await explainWaits(page.items);
      res.json(page);
    } catch (err) {
      if (err instanceof BadCursorError) throw new HttpError(400, 'validation_failed', `Invalid query: ${err.message}`);
      throw err;
    }
  });

  router.get('/:id', async (req, res) => {
    const [generation] = await explainWaits([await getGeneration(db, idParam(req.params.id))]);
    if (!generation) throw notFound('Generation');
    res.json(generation);
  });

  /** Live status as server-sent events: `generation` events carrying the whole generation; ids grow with each change. */
  router.get('/:id/events', async (req, res) => {
    const id = idParam(req.params.id);
    const found = await getVersionedGeneration(db, id);
    if (!found) throw notFound('Generation');
    const explained = async (generation: Generation | undefined) => (await explainWaits([generation]))[0];
    streamRecord(req, res, {
      changes: deps.changes,
      key: id,
      event: 'generation',
      initial: { version: found.version, load: () => explained(found.generation) },
      // Every change notice and every poll asks for the version alone; the whole generation only when it is new.
      current: async () => {
        const version = await getGenerationVersion(db, id);
        return version === undefined ? undefined : { version, load: async () => explained(await getGeneration(db, id)) };
      },
      onError: (err) => logger.warn('generation.stream_failed', `Event stream update failed: ${(err as Error).message}`, { generationId: id }),
    });
  });

  /**
   * Asks the workflow to cancel, having noted the request on the generation (it shows "Cancelling…", and a record of
   * its images that comes after it ends it cancelled instead). The workflow ends it within seconds; one that is gone
   * from Temporal cannot, so the generation is closed here at once.
   */
  router.post('/:id/cancel', async (req, res) => {
    const id = idParam(req.params.id);
    const row = await getGenerationRow(db, id);
    if (!row) throw notFound('Generation');
    if (!(await requestGenerationCancel(db, id))) {
      const ended = (await getGenerationRow(db, id)) ?? row;
      throw new HttpError(409, 'conflict', `This generation has already ${ended.status === 'cancelled' ? 'been cancelled' : ended.status}`);
    }
    deps.changes.publish(id);
    logger.info('generation.cancel_requested', 'Cancel requested', { generationId: id });
    try {
      await temporal.workflow.getHandle(row.workflowId).cancel();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      await deps.reconciler.settle(generationOrphan(deps, row), 'cancel');
    }
    res.status(202).json(await getGeneration(db, id));
  });

  /**
   * A generation again with every parameter and the same LoRA file: the whole batch, or one picture of it alone, made
   * by its own recorded seed (each picture of a batch has its own). `seed` replaces the recorded one (a variation).
   */
  async function rerun(req: Request, row: GenerationRow, output: OutputRow | undefined, seed: number | undefined): Promise<Generation> {
    const params = row.parameters as unknown as GenerationParams;
    if (params.lora?.id && !(await getLora(db, params.lora.id))) throw new HttpError(409, 'conflict', 'The LoRA of this generation was deleted');
    const checkpointKey = params.lora?.checkpoint ? artifactKey(params.lora.fileName) : undefined;
    if (checkpointKey && !(await stat(within(config.storage.root, checkpointKey)).catch(() => null)) && !(await isStored(deps.artifacts, checkpointKey))) {
      throw new HttpError(409, 'conflict', 'The training checkpoint of this generation no longer exists (the trainer keeps only the newest few)');
    }
    const recorded = output ? { seed: output.seed, batch: 1 } : { seed: params.seed, batch: params.batch };
    const { generation } = await start(req, { params: { ...params, seed: seed ?? recorded.seed, batch: recorded.batch }, characterId: row.characterId, sourceGenerationId: row.id });
    return generation;
  }

  /** The same parameters again, or with another seed (given, or a new random one); one picture of it again, alone. */
  router.post('/:id/rerun', requireJson, requireFreeSpace(deps), async (req, res) => {
    const id = idParam(req.params.id);
    const options = parseOrThrow(rerunInput, req.body ?? {});
    const row = await getGenerationRow(db, id);
    if (!row) throw notFound('Generation');
    const output = options.outputId === undefined ? undefined : await getOutput(db, options.outputId);
    if (options.outputId !== undefined && output?.generationId !== row.id) throw new HttpError(404, 'not_found', 'This generation has no picture with that outputId');
    const generation = await rerun(req, row, output, options.seed ?? (options.varySeed ? randomSeed() : undefined));
    res.status(202).location(`/api/generations/${generation.id}`).json(generation);
  });

  router.delete('/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const row = await getGenerationRow(db, id);
    if (!row) throw notFound('Generation');
    if (!FINISHED.has(row.status) && (await requestGenerationCancel(db, id))) {
      await temporal.workflow
        .getHandle(row.workflowId)
        .cancel()
        .catch(() => undefined);
    }
    await deleteGeneration(db, id);
    logger.info('generation.deleted', 'Generation deleted', { generationId: id });
    res.status(204).end();
  });

  /** Pictures as one zip, streamed; each PNG carries its parameters inside (lib/png-text.ts). */
  outputsRouter.get('/archive', async (req, res) => {
    const { ids } = parseOrThrow(outputsArchiveQuery, req.query, 'query');
    const found = await getOutputs(db, ids);
    if (found.length !== ids.length) {
      const known = new Set(found.map((o) => o.id));
      throw new HttpError(404, 'not_found', `No picture with these ids: ${ids.filter((id) => !known.has(id)).join(', ')}`);
    }
    const files = await Promise.all(found.map(async (o) => ({ output: o, file: await localCopy(deps.artifacts, o.filePath) })));
    const missing = (await Promise.all(files.map(async (f) => ((await stat(f.file).catch(() => null))?.isFile() ? null : f.output.id)))).filter(Boolean);
    if (missing.length > 0) throw new HttpError(404, 'not_found', `The image file of these pictures is gone: ${missing.join(', ')}`);
    const zip = new ZipFile();
    // PNGs are compressed already: stored as they are.
    for (const { output, file } of files) zip.addFile(file, archiveEntryName(output), { compress: false, mtime: output.createdAt });
    zip.end();
    res.attachment(`isengard-${found.length}-pictures.zip`);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Cache-Control', 'no-store');
    logger.info('outputs.archived', `${found.length} picture(s) downloaded as a zip`, { count: found.length });
    await pipeline(zip.outputStream, res).catch((err: unknown) => {
      logger.warn('outputs.archive_failed', `Zip download stopped: ${(err as Error).message}`, { count: found.length });
      res.destroy();
    });
  });

  /** Deletes pictures, all or none (unknown ids: 404, nothing deleted). */
  outputsRouter.post('/delete', requireJson, async (req, res) => {
    const { ids } = parseOrThrow(outputsDeleteInput, req.body);
    await removeOutputs(ids);
    res.status(204).end();
  });

  /** Deletes pictures' rows, then their files; a generation left without pictures goes with them. */
  async function removeOutputs(ids: string[]): Promise<void> {
    let deleted;
    try {
      deleted = await deleteOutputs(db, ids);
    } catch (err) {
      if (err instanceof UnknownOutputsError) throw new HttpError(404, 'not_found', err.message);
      throw err;
    }
    await Promise.all(
      deleted.map((o) =>
        Promise.all([deps.artifacts.remove(artifactKey(o.filePath)), rm(within(config.storage.root, o.filePath), { force: true })]).catch((err: unknown) =>
          logger.warn('output.file_not_removed', `The file of a deleted picture stays: ${(err as Error).message}`, { outputId: o.id }),
        ),
      ),
    );
    for (const generationId of new Set(deleted.map((o) => o.generationId))) deps.changes.publish(generationId);
    logger.info('outputs.deleted', `${deleted.length} picture(s) deleted`, { outputIds: deleted.map((o) => o.id) });
  }

  outputsRouter.delete('/:id', async (req, res) => {
    await removeOutputs([idParam(req.params.id)]);
    res.status(204).end();
  });

  outputsRouter.patch('/:id', requireJson, async (req, res) => {
    const id = idParam(req.params.id);
    const { favourite } = parseOrThrow(outputPatch, req.body);
    const row = await setOutputFavourite(db, id, favourite);
    if (!row) throw notFound('Picture');
    deps.changes.publish(row.generationId);
    res.json(toOutput(row));
  });

  /** This picture again: `exact` by its own seed, `vary` with a new random one; every other parameter the same. */
  outputsRouter.post('/:id/rerun', requireJson, requireFreeSpace(deps), async (req, res) => {
    const output = await getOutput(db, idParam(req.params.id));
    const { mode } = parseOrThrow(outputRerunInput, req.body ?? {});
    if (!output) throw notFound('Picture');
    const row = await getGenerationRow(db, output.generationId);
    if (!row) throw notFound('Picture');
    const generation = await rerun(req, row, output, mode === 'vary' ? randomSeed() : undefined);
    logger.info('output.rerun', `Picture made again (${mode})`, { outputId: output.id, generationId: generation.id });
    res.status(202).location(`/api/generations/${generation.id}`).json(generation);
  });

  outputsRouter.get('/:id', async (req, res) => {
    const output = await getOutput(db, idParam(req.params.id));
    if (!output) throw notFound('Image');
    await sendStoredFile(res, await localCopy(deps.artifacts, output.filePath), {
      what: 'Image',
      contentType: 'image/png',
      cacheControl: 'private, max-age=31536000, immutable',
    });
  });

  return { generations: router, outputs: outputsRouter };
}
