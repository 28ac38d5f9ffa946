import { readFile } from 'node:fs/promises';
import type { Database } from '../../db/client';
import { pendingPhotos, photosInSet, photoToAnalyse, saveAnalysis, saveChecks } from '../../db/repositories/photos';
import { createKeyedLock, createLimiter } from '../../lib/concurrency';
import { failedChecks } from '../../lib/contracts/photos';
import { scorerKey } from '../../lib/likeness/score-picture';
import type { Logger } from '../../lib/logger/logger';
import { artifactKey } from '../../lib/artifacts/keys';
import type { ArtifactStore } from '../../lib/artifacts/store';
import type { IdentityScorer } from '../../plugins/identity/interface';
import { analysePhoto } from './analyse';
import { faceChecks } from './face-checks';
import { recheckSet } from './set-checks';

/**
 * Photos analysed at once. The scorer runs them on its worker threads; two keep one thread busy while the next photo
 * is read and decoded, and leave the control plane's other work room on a small machine.
 */
const ANALYSES_AT_ONCE = 2;

/**
 * The photo checks that need faces, off the request path (issue 23): the upload answers at once, then each accepted
 * photo is analysed here and its verdicts written to the database; the set-level verdicts of its character (the odd
 * one out, duplicates) are recomputed after each. The database is the queue: a photo whose `faces` is null is
 * pending, and `start` queues every pending photo again, so a crash loses nothing.
 */
export interface PhotoChecker {
  /** Queues every photo not analysed yet. */
  start(): Promise<void>;
  /** Queues an accepted photo. */
  analyse(photo: { id: string; characterId: string }): void;
  /** Recomputes a character's set-level verdicts (a photo was deleted, excluded or included again). */
  recheck(characterId: string): void;
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
  /** Takes no more work and waits for what runs. */
  stop(): Promise<void>;
}

export interface PhotoCheckerOptions {
  db: Database;
  /** Where the photos are read from (this host's copy, pulled when it has none). */
  artifacts: ArtifactStore;
  logger: Logger;
  /** The identity scorer, asked for at the first photo (its models load then). */
  scorer: () => IdentityScorer;
  /** Called after every write, so cached lists are read again. */
  changed: () => void;
}

export function createPhotoChecker({ db, artifacts, logger, scorer, changed }: PhotoCheckerOptions): PhotoChecker {
  const analyses = createLimiter(ANALYSES_AT_ONCE);
  // Writing a photo's checks and recomputing its set: one at a time per character.
  const perCharacter = createKeyedLock();
  const queued = new Set<string>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  function track(work: Promise<void>): void {
    running.add(work);
    void work.finally(() => running.delete(work));
  }

  async function recheckNow(characterId: string): Promise<void> {
    const identity = scorer();
    const photos = await photosInSet(db, characterId);
    const changes = recheckSet(photos, { key: scorerKey(identity), similarity: (a, b) => identity.similarity(a, b) });
    for (const [photoId, checks] of changes) await saveChecks(db, photoId, checks);
    if (changes.size > 0) changed();
  }

  async function analyseNow(photoId: string): Promise<void> {
    if (stopped) return;
    const photo = await photoToAnalyse(db, photoId);
    if (!photo) return;
    const started = performance.now();
    const image = await readFile(await artifacts.pull(artifactKey(photo.filePath)));
    const analysis = await analysePhoto(scorer(), image, photo);
    await perCharacter(photo.characterId, async () => {
      const current = await photoToAnalyse(db, photoId);
      if (!current) return;
      const checks = faceChecks(current.checks, analysis, photo);
      if (!(await saveAnalysis(db, photoId, analysis.faces, checks))) return;
      await recheckNow(photo.characterId);
      changed();
      logger.info('photo.checked', `Photo checked: ${analysis.faces.faces.length} face(s)`, {
        photoId,
        characterId: photo.characterId,
        faces: analysis.faces.faces.length,
        faceSharpness: analysis.faceSharpness,
        failed: failedChecks(checks),
        ms: Math.round(performance.now() - started),
      });
    });
  }

  function analyse(photo: { id: string; characterId: string }): void {
    if (stopped || queued.has(photo.id)) return;
    queued.add(photo.id);
    track(
      analyses(() => analyseNow(photo.id))
        .catch((err: unknown) => {
          // Left pending: the next start of the control plane tries again.
          logger.error('photo.check_failed', `Photo ${photo.id} could not be checked; it is tried again at the next start`, {
            photoId: photo.id,
            characterId: photo.characterId,
            error: err,
          });
        })
        .finally(() => queued.delete(photo.id)),
    );
  }

  return {
    async start() {
      const pending = await pendingPhotos(db);
      if (pending.length > 0) logger.info('photo.checks_resumed', `${pending.length} photo(s) still to check`, { photos: pending.length });
      for (const photo of pending) analyse(photo);
    },
    analyse,
    recheck(characterId) {
      if (stopped) return;
      track(
        perCharacter(characterId, () => recheckNow(characterId)).catch((err: unknown) => {
          logger.error('photo.recheck_failed', 'The photo set could not be checked again', { characterId, error: err });
        }),
      );
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async stop() {
      stopped = true;
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
