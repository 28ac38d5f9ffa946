import { readFile } from 'node:fs/promises';
import type { Database } from '../../db/client';
import { generationsWithUnscoredOutputs, outputsToScore, recordOutputLikeness } from '../../db/repositories/generations';
import { artifactKey } from '../../lib/artifacts/keys';
import { pullIfStored } from '../../lib/artifacts/store-calls';
import type { ArtifactStore } from '../../lib/artifacts/store';
import type { PictureLikeness } from '../../lib/contracts/likeness';
import type { Logger } from '../../lib/logger/logger';
import { referencePhotos, type ReferencePhoto } from '../../lib/likeness/references';
import { scorePicture, scorerKey } from '../../lib/likeness/score-picture';
import { within } from '../../lib/storage';
import type { IdentityScorer } from '../../plugins/identity/interface';
import { sharedIdentityScorer } from '../../plugins/identity/registry';

/**
 * The likeness of generated pictures (issue 23: scores in the gallery). A completed generation's pictures are scored
 * after its record, off the job's path: the generation completes at once and its scores follow, one picture after
 * another, each published as a change of the generation so open pages update.
 */
export interface OutputScoringDeps {
  db: Database;
  /** The data root: pictures' paths are relative to it. */
  storageRoot: string;
  /** The pictures were written on a GPU worker: they are pulled from it. */
  artifacts: ArtifactStore;
  logger: Logger;
  /** Told after each score is recorded, with the generation's id (see ControlContext.changed). */
  changed?: ((jobId: string | undefined) => void) | undefined;
  /** Default: the process's shared scorer. */
  scorer?: IdentityScorer;
}

/** At start-up, the generations scored at most (newest first): those left unscored by a crash or a stop. */
export const UNSCORED_SWEEP_LIMIT = 200;

/**
 * Scores the pictures of a generation not scored yet, against its character's reference photos; answers how many it
 * recorded. A generation without a character (made without a LoRA) gets no score.
 */
export async function scoreGenerationOutputs(deps: OutputScoringDeps, generationId: string): Promise<number> {
  const work = await outputsToScore(deps.db, generationId);
  if (!work || work.outputs.length === 0) return 0;
  const scorer = deps.scorer ?? sharedIdentityScorer();
  const references = referencePhotos(work.photos, scorerKey(scorer));
  let recorded = 0;
  for (const output of work.outputs) {
    const file = (await pullIfStored(deps.artifacts, artifactKey(output.filePath))) ?? within(deps.storageRoot, output.filePath);
    const likeness = await scoreFile(scorer, file, references);
    if (await recordOutputLikeness(deps.db, { id: output.id, generationId }, likeness)) {
      recorded++;
      deps.changed?.(generationId);
    }
  }
  deps.logger.info('likeness.outputs_scored', `Likeness of ${recorded} picture(s) recorded`, {
    generationId,
    references: references.length,
  });
  return recorded;
}

async function scoreFile(scorer: IdentityScorer, file: string, references: readonly ReferencePhoto[]): Promise<PictureLikeness> {
  let image: Buffer;
  try {
    image = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // The file is gone (removed by hand): nothing will ever score it.
    return { scorer: scorerKey(scorer), status: 'unreadable', similarity: null, recognisable: false, faces: 0, copyOf: null, scoredAt: new Date().toISOString() };
  }
  return scorePicture(scorer, image, references);
}

// One scoring at a time in this process: face detection is heavy, and the API shares the process.
let tail: Promise<void> = Promise.resolve();
const waiting = new Set<string>();

/**
 * Scores a generation's pictures after everything queued before, without being awaited. A failure is logged and
 * leaves the pictures unscored: the next start's sweep tries them again.
 */
export function queueOutputScoring(deps: OutputScoringDeps, generationId: string): void {
  if (waiting.has(generationId)) return;
  waiting.add(generationId);
  tail = tail.then(async () => {
    waiting.delete(generationId);
    try {
      await scoreGenerationOutputs(deps, generationId);
    } catch (err) {
      deps.logger.warn('likeness.outputs_failed', `Scoring the pictures' likeness failed: ${(err as Error).message}`, { generationId, error: err });
    }
  });
}

/**
 * Queues the completed generations whose pictures a crash or a stop left unscored, the newest first and at most
 * {@link UNSCORED_SWEEP_LIMIT}; answers how many.
 */
export async function queueUnscoredOutputs(deps: OutputScoringDeps, limit = UNSCORED_SWEEP_LIMIT): Promise<number> {
  const ids = await generationsWithUnscoredOutputs(deps.db, limit);
  for (const id of ids) queueOutputScoring(deps, id);
  if (ids.length > 0) deps.logger.info('likeness.sweep', `Scoring the pictures of ${ids.length} generation(s) left unscored`, { generations: ids.length });
  return ids.length;
}

/** Resolves once everything queued so far, and queued meanwhile, has been scored. */
export async function outputScoringIdle(): Promise<void> {
  let seen: Promise<void>;
  do {
    seen = tail;
    await seen;
  } while (seen !== tail);
}
