import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import {
  addTrainingEvent,
  getTrainingRow,
  setTrainingLikeness,
  setTrainingLikenessCurve,
  setTrainingSampleLikeness,
  trainingSampleScores,
  unscoredTrainingSamples,
} from '../../db/repositories/trainings';
import { photos } from '../../db/schema';
import { artifactKey } from '../../lib/artifacts/keys';
import { pullIfStored } from '../../lib/artifacts/store-calls';
import type { ArtifactStore } from '../../lib/artifacts/store';
import { runCheckpoints } from './run-checkpoints';
import type { Config } from '../../lib/config';
import type { PictureLikeness, RunLikeness } from '../../lib/contracts/likeness';
import { referencePhotos, type ReferencePhoto } from '../../lib/likeness/references';
import { likenessCurve, recommendCheckpoint } from '../../lib/likeness/run-likeness';
import { scorePicture, scorerKey } from '../../lib/likeness/score-picture';
import type { Logger } from '../../lib/logger/logger';
import type { IdentityScorer } from '../../plugins/identity/interface';
import { sharedIdentityScorer } from '../../plugins/identity/registry';
import { createTrainingEngine } from '../../plugins/training/registry';

export interface RunLikenessDeps {
  db: Database;
  config: Config;
  logger: Logger;
  /** Samples, photos and checkpoints are pulled from it (they were written on other hosts). */
  artifacts: ArtifactStore;
  /** The identity scorer (the process's shared one unless a test gives its own). */
  scorer?: () => IdentityScorer;
}

/** The scorer failed (not the picture): likeness cannot be measured now. */
export class LikenessScorerFailed extends Error {
  override readonly name = 'LikenessScorerFailed';
}

/**
 * One scoring of a run at a time in this process: the live scoring (samples reported) and the run's last step
 * (the recommendation) take turns, so neither writes a curve older than the other's. The API and the control worker
 * share one process (design §3); elsewhere, each sample is still scored once (`where likeness is null`).
 */
const runLocks = new Map<string, Promise<unknown>>();
function oneAtATime<T>(runId: string, work: () => Promise<T>): Promise<T> {
  const before = runLocks.get(runId) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  const tail = mine.catch(() => undefined);
  runLocks.set(runId, tail);
  void tail.then(() => {
    if (runLocks.get(runId) === tail) runLocks.delete(runId);
  });
  return mine;
}

/**
 * The reference photos of runs, by run and scorer: the photos a run trained with that show one clear face. A photo
 * the photo checks have not analysed yet (or analysed with another scorer) is analysed here, on the spot, and not
 * stored (the photo checks own `photos.faces`); a run's photos do not change once its dataset is prepared.
 */
const referenceMemo = new Map<string, ReferencePhoto[]>();
const REFERENCE_MEMO_RUNS = 16;

/** Scores a run's samples against its training photos and keeps its likeness curve up to date. */
export function createRunLikeness(deps: RunLikenessDeps) {
  const { db, config, logger, artifacts } = deps;
  const root = config.storage.root;
  const scorerOf = deps.scorer ?? sharedIdentityScorer;

  async function referencesOf(runId: string, photoIds: string[], scorer: IdentityScorer): Promise<ReferencePhoto[]> {
    const key = `${runId}:${scorerKey(scorer)}`;
    const known = referenceMemo.get(key);
    if (known) return known;
    const rows =
      photoIds.length === 0
        ? []
        : await db.select({ id: photos.id, faces: photos.faces, phash: photos.phash, filePath: photos.filePath }).from(photos).where(inArray(photos.id, photoIds));
    const references: ReferencePhoto[] = [];
    for (const row of rows) {
      if (row.faces?.scorer === scorerKey(scorer)) {
        references.push(...referencePhotos([row], scorerKey(scorer)));
        continue;
      }
      const file = await pullIfStored(artifacts, artifactKey(row.filePath));
      const image = file ? await readFile(file).catch(() => null) : null;
      if (!image) continue;
      const faces = await scorer.detect(image).catch(() => []);
      if (faces.length === 1) references.push({ photoId: row.id, embedding: faces[0]!.embedding, phash: row.phash });
    }
    referenceMemo.set(key, references);
    if (referenceMemo.size > REFERENCE_MEMO_RUNS) referenceMemo.delete(referenceMemo.keys().next().value!);
    return references;
  }

  async function scoreSample(scorer: IdentityScorer, filePath: string, references: ReferencePhoto[]): Promise<PictureLikeness> {
    const file = await pullIfStored(artifacts, artifactKey(filePath));
    const image = file ? await readFile(file).catch(() => null) : null;
    if (!image) {
      return { scorer: scorerKey(scorer), status: 'unreadable', similarity: null, recognisable: false, faces: 0, copyOf: null, scoredAt: new Date().toISOString() };
    }
    try {
      return await scorePicture(scorer, image, references);
    } catch (err) {
      throw new LikenessScorerFailed(`The identity scorer failed: ${(err as Error).message}`);
    }
  }

  /** The curve from the samples as scored now. */
  async function curveOf(runId: string) {
    return likenessCurve(await trainingSampleScores(db, runId));
  }

  /**
   * Scores the run's samples not scored yet and writes its curve. Returns how many training photos it was compared
   * with, or null when the run has no dataset yet (or no longer exists). `onSample` hears of each sample scored.
   */
  async function scoreUnscored(runId: string, onSample?: () => void): Promise<{ references: number; scorer: string } | null> {
    const run = await getTrainingRow(db, runId);
    if (!run?.photoIds) return null;
    const scorer = scorerOf();
    const references = await referencesOf(runId, run.photoIds, scorer);
    let scored = 0;
    for (const sample of await unscoredTrainingSamples(db, runId)) {
      if (await setTrainingSampleLikeness(db, sample.id, await scoreSample(scorer, sample.filePath, references))) scored++;
      onSample?.();
    }
    if (scored > 0) await setTrainingLikenessCurve(db, runId, scorerKey(scorer), await curveOf(runId));
    return { references: references.length, scorer: scorerKey(scorer) };
  }

  return {
    /** Scores what is new of a run and updates its curve (the live scoring, and a stopped run's last one). */
    score(runId: string, onSample?: () => void): Promise<{ references: number; scorer: string } | null> {
      return oneAtATime(runId, () => scoreUnscored(runId, onSample));
    },

    /**
     * At the end of a completed run: scores what is left, writes the curve and the recommended checkpoint, tells
     * the timeline, and returns the checkpoint to register (relative to the data root). `finalCheckpoint` is the
     * engine's final file, used when no other checkpoint is recommended.
     */
    recommend(
      input: { runId: string; name: string; finalCheckpoint: string },
      onSample?: () => void,
    ): Promise<{ checkpoint: string; step: number | null; reason: string | null }> {
      return oneAtATime(input.runId, async () => {
        let scoring: { references: number; scorer: string } | null;
        let failure: string | null = null;
        try {
          scoring = await scoreUnscored(input.runId, onSample);
        } catch (err) {
          if (!(err instanceof LikenessScorerFailed)) throw err;
          logger.warn('training.likeness_failed', err.message, { runId: input.runId });
          scoring = null;
          failure = err.message;
        }
        // Listed from the store when a GPU worker wrote them; the chosen one is pulled where it is registered.
        const checkpoints = await runCheckpoints(artifacts, createTrainingEngine(config), { root, runId: input.runId, name: input.name });
        const curve = await curveOf(input.runId);
        const recommended = failure
          ? null
          : recommendCheckpoint({ curve, checkpoints, references: scoring?.references ?? 0 });
        const likeness: RunLikeness = { scorer: scoring?.scorer ?? scorerKey(scorerOf()), curve, recommended };
        await setTrainingLikeness(db, input.runId, likeness);
        if (!recommended) {
          const why = failure ? `Likeness could not be measured (${failure})` : 'No checkpoint to compare';
          await addTrainingEvent(db, input.runId, 'likeness', `${why}: the final checkpoint is used`);
          return { checkpoint: input.finalCheckpoint, step: null, reason: null };
        }
        const isFinal = recommended.step === recommended.finalStep;
        const chosen = isFinal ? undefined : checkpoints.find((c) => c.step === recommended.step && !c.final);
        const kept = isFinal ? '' : ` The final checkpoint (step ${recommended.finalStep}) stays available.`;
        await addTrainingEvent(db, input.runId, 'likeness', `Recommended checkpoint: ${recommended.reason}${kept}`, {
          step: recommended.step,
          finalStep: recommended.finalStep,
        });
        logger.info('training.recommended', `Recommended checkpoint: step ${recommended.step}`, { runId: input.runId, step: recommended.step, finalStep: recommended.finalStep });
        return {
          checkpoint: chosen ? path.relative(root, chosen.path) : input.finalCheckpoint,
          step: recommended.step,
          reason: recommended.reason,
        };
      });
    },
  };
}

/**
 * Scores samples as they arrive (the internal report calls `request`, never waiting): one run at a time in this
 * process, each request scoring whatever its run has new by then, so the run page's curve is live. Failures are
 * logged: the run's last step scores what is left.
 */
export function createLiveLikeness(deps: RunLikenessDeps & { changed?: (runId: string) => void }) {
  const likeness = createRunLikeness(deps);
  const pending = new Set<string>();
  let running: Promise<void> | undefined;

  function drain(): void {
    if (running) return;
    running = (async () => {
      for (let runId = first(); runId !== undefined; runId = first()) {
        pending.delete(runId);
        try {
          await likeness.score(runId);
          deps.changed?.(runId);
        } catch (err) {
          deps.logger.warn('training.likeness_failed', `Scoring the samples failed: ${(err as Error).message}`, { runId });
        }
      }
    })().finally(() => {
      running = undefined;
      if (pending.size > 0) drain();
    });
  }
  const first = () => pending.values().next().value;

  return {
    /** Scores the run's new samples soon (after the runs asked for before it). */
    request(runId: string): void {
      pending.add(runId);
      drain();
    },
    /** Settles once nothing is waiting to be scored (for tests and shutdown). */
    async idle(): Promise<void> {
      while (running) await running;
    },
  };
}
export type LiveLikeness = ReturnType<typeof createLiveLikeness>;

/**
 * The likeness steps of the `trainLora` workflow. They heartbeat while they score (about a second per sample on a
 * busy CPU), so a worker that dies mid-way is noticed and the next attempt scores only what is left.
 */
export function createLikenessActivities(ctx: RunLikenessDeps) {
  const likeness = createRunLikeness(ctx);

  async function heartbeating<T>(work: (onSample: () => void) => Promise<T>): Promise<T> {
    let scored = 0;
    heartbeat({ scored });
    const beat = setInterval(() => heartbeat({ scored }), 5_000);
    try {
      return await work(() => void scored++);
    } finally {
      clearInterval(beat);
    }
  }

  return {
    /**
     * At the end of a completed run: scores its last samples, records the curve and the recommended checkpoint
     * (with its reason, on the timeline too) and returns the checkpoint to register as the run's LoRA.
     */
    async recommendCheckpoint(input: { runId: string; name: string; finalCheckpoint: string }): Promise<{ checkpoint: string; step: number | null; reason: string | null }> {
      return heartbeating((onSample) => likeness.recommend(input, onSample));
    },

    /** After a Stop: the curve of what was sampled, complete (the checkpoint kept is the last one, as before). */
    async scoreTrainingLikeness(input: { runId: string }): Promise<void> {
      await heartbeating(async (onSample) => {
        try {
          await likeness.score(input.runId, onSample);
        } catch (err) {
          if (!(err instanceof LikenessScorerFailed)) throw err;
          ctx.logger.warn('training.likeness_failed', err.message, { runId: input.runId });
        }
      });
    },
  };
}
