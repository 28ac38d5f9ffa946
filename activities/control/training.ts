import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { characters, photos } from '../../db/schema';
import {
  addTrainingEvent,
  beginTrainingAttempt,
  finishTrainingRun,
  getTrainingRow,
  updateTrainingRun,
} from '../../db/repositories/trainings';
import { isGoodPhoto } from '../../lib/contracts/photos';
import { engineJobName, type TrainingSettings } from '../../lib/contracts/training';
import { createTrainingEngine } from '../../plugins/training/registry';
import { artifactKey } from '../../lib/artifacts/keys';
import { pullIfStored, pushFolder } from '../../lib/artifacts/store-calls';
import { runCheckpoints } from './run-checkpoints';
import { within } from '../../lib/storage';
import type { ControlContext } from './context';
import { registerLora } from './register-lora';
import { announceTrainingEnd } from './webhooks';

/** What the workflow needs to run the engine, decided once when the run starts. */
export interface TrainingPlan {
  characterId: string;
  triggerWord: string;
  settings: TrainingSettings;
  /** The engine's job name (checkpoint prefix). */
  name: string;
  vramProfile: 'standard' | 'low';
  /** A continuation: the run and checkpoint step it resumes (seedContinuation puts that checkpoint in place). */
  continuedFrom?: { runId: string; step: number };
}

export const NO_USABLE_PHOTOS = 'NoUsablePhotos';
export const RUN_GONE = 'TrainingRunGone';

/** The control-plane steps of the `trainLora` workflow: every state change lands in the database. */
export function createTrainingActivities(ctx: ControlContext) {
  const root = ctx.config.storage.root;

  /** The character's photos that are not excluded, oldest first. */
  async function includedPhotos(characterId: string) {
    return ctx.db
      .select()
      .from(photos)
      .where(and(eq(photos.characterId, characterId), isNull(photos.deletedAt), eq(photos.excluded, false)))
      .orderBy(asc(photos.createdAt));
  }

  /** The photos marked for training: checked and good, or kept anyway by the user (`isGoodPhoto`). */
  async function usablePhotos(characterId: string) {
    return (await includedPhotos(characterId)).filter((row) =>
      isGoodPhoto({ excluded: row.excluded, checks: row.checks, keptAnyway: row.keptAnywayAt !== null, analysis: row.faces ? 'done' : 'pending' }),
    );
  }

  return {
    /** Checks the run can train at all and marks it running. Missing photos fail the run at once, without retries. */
    async trainingStarted(input: { runId: string }): Promise<TrainingPlan> {
      const run = await getTrainingRow(ctx.db, input.runId);
      if (!run) throw ApplicationFailure.nonRetryable('The training run no longer exists', RUN_GONE);
      if (run.status !== 'queued' && run.status !== 'running') {
        throw ApplicationFailure.nonRetryable(`This run was closed (${run.status}) before it could start`, RUN_GONE);
      }
      const [character] = await ctx.db
        .select()
        .from(characters)
        .where(and(eq(characters.id, run.characterId), isNull(characters.deletedAt)));
      if (!character) throw ApplicationFailure.nonRetryable('The character of this run was deleted', RUN_GONE);
      if ((await usablePhotos(character.id)).length === 0) {
        const included = await includedPhotos(character.id);
        const checking = included.filter((row) => !row.faces && !row.keptAnywayAt).length;
        const message =
          included.length === 0
            ? `${character.name} has no usable photos: upload photos (or include excluded ones) and start again.`
            : checking > 0
              ? `${character.name} has no photo marked for training yet: ${checking} of ${included.length} are still being checked. Wait for the checks, then start again.`
              : `${character.name} has no photo marked for training: all ${included.length} have warnings. Upload better photos, or choose "Keep anyway" on those you want to train with, then start again.`;
        throw ApplicationFailure.nonRetryable(message, NO_USABLE_PHOTOS);
      }
      await updateTrainingRun(ctx.db, input.runId, { status: 'running', phase: 'preparing', startedAt: run.startedAt ?? new Date() });
      await addTrainingEvent(ctx.db, input.runId, 'preparing', 'Preparing the photos');
      return {
        characterId: character.id,
        triggerWord: character.triggerWord,
        settings: run.settings as unknown as TrainingSettings,
        name: engineJobName(run.id),
        vramProfile: run.vramProfile,
        ...(run.continuedFromRunId && run.startStep !== null ? { continuedFrom: { runId: run.continuedFromRunId, step: run.startStep } } : {}),
      };
    },

    /**
     * Writes the dataset the engine reads (spec §7): each photo as stored (a JPEG may still carry its EXIF
     * orientation, which ai-toolkit applies itself: lib/images/prepare.ts) plus a caption file beside it, under
     * datasets/<run>/. Recreated from scratch, so a retry leaves no stale files; the photos come from the artifact
     * store and the dataset goes there, for the GPU worker to pull.
     */
    async prepareDataset(input: { runId: string; characterId: string }): Promise<{ datasetDir: string; photoCount: number }> {
      const relative = path.join('datasets', input.runId);
      const dir = within(root, relative);
      await ctx.artifacts.remove(artifactKey(relative));
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const used: string[] = [];
      for (const photo of await usablePhotos(input.characterId)) {
        const source = await pullIfStored(ctx.artifacts, artifactKey(photo.filePath));
        if (!source) {
          ctx.logger.warn('training.photo_missing', `Photo file missing, left out: ${photo.filePath}`, { photoId: photo.id });
          continue;
        }
        const base = String(used.length + 1).padStart(3, '0');
        await copyFile(source, path.join(dir, `${base}${path.extname(photo.filePath).toLowerCase()}`));
        await writeFile(path.join(dir, `${base}.txt`), photo.caption);
        used.push(photo.id);
      }
      if (used.length === 0) {
        throw ApplicationFailure.nonRetryable('None of the photos could be found on disk: upload them again.', NO_USABLE_PHOTOS);
      }
      await pushFolder(ctx.artifacts, artifactKey(relative));
      await updateTrainingRun(ctx.db, input.runId, { datasetPath: relative, photoIds: used });
      await addTrainingEvent(ctx.db, input.runId, 'dataset', `Dataset ready: ${used.length} photos`);
      return { datasetDir: relative, photoCount: used.length };
    },

    async trainingWaitingForGpu(input: { runId: string }): Promise<void> {
      await updateTrainingRun(ctx.db, input.runId, { phase: 'waiting_for_gpu' });
    },

    /** A new engine start on a GPU worker; returns its attempt number (older starts' reports are refused). */
    async trainingOnWorker(input: { runId: string; workerId: string }): Promise<number> {
      const attempt = await beginTrainingAttempt(ctx.db, input.runId, input.workerId);
      await addTrainingEvent(ctx.db, input.runId, 'gpu', `Running on GPU worker ${input.workerId}`, { attempt });
      return attempt;
    },

    async trainingEvent(input: { runId: string; kind: string; message: string; vramProfile?: 'standard' | 'low' }): Promise<void> {
      if (input.vramProfile) await updateTrainingRun(ctx.db, input.runId, { vramProfile: input.vramProfile });
      await addTrainingEvent(ctx.db, input.runId, input.kind, input.message);
    },

    /** Registers the run's final LoRA file (or, after a Stop, its last checkpoint) as a LoRA of its character. */
    async registerLora(input: { runId: string; checkpoint: string }): Promise<string> {
      await updateTrainingRun(ctx.db, input.runId, { phase: 'registering' });
      return (await registerLora(ctx, { ...input, event: 'LoRA registered' })).loraId;
    },

    async trainingFinished(input: {
      runId: string;
      status: 'completed' | 'failed' | 'stopped';
      message: string;
      errorCode?: string;
      errorMessage?: string;
    }): Promise<void> {
      await finishTrainingRun(ctx.db, input.runId, input);
      ctx.logger.info('training.finished', `Training ${input.status}: ${input.message}`, { runId: input.runId, status: input.status });
      await announceTrainingEnd(ctx, input);
    },

    /** After a Stop: the newest complete checkpoint of the run becomes its LoRA, so the work done is usable. */
    async keepStoppedTraining(input: { runId: string; name: string }): Promise<{ loraId: string; step: number } | null> {
      // Listed from the store when a GPU worker wrote them; registering the newest pulls it.
      const checkpoint = (await runCheckpoints(ctx.artifacts, createTrainingEngine(ctx.config), { root, runId: input.runId, name: input.name })).at(-1);
      // A continuation holds its source's checkpoint from the start: that one is the source's model, not this run's.
      const startStep = (await getTrainingRow(ctx.db, input.runId))?.startStep ?? null;
      if (!checkpoint || (startStep !== null && checkpoint.step <= startStep)) return null;
      const { loraId, steps } = await registerLora(ctx, { runId: input.runId, checkpoint: path.relative(root, checkpoint.path), event: 'Kept as a LoRA' });
      return { loraId, step: steps };
    },
  };
}
