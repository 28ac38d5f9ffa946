import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import type { Request } from 'express';
import type { Database } from '../db/client';
import { artifactKey } from '../lib/artifacts/keys';
import type { ArtifactStore } from '../lib/artifacts/store';
import { countPhotos, insertPhoto, photoFingerprints } from '../db/repositories/photos';
import { createKeyedLock, createLimiter } from '../lib/concurrency';
import { DEFAULT_CAPTION, PHOTO_LIMITS, type Photo, type UploadPhotosResult } from '../lib/contracts/photos';
import { photoChecks } from '../lib/images/checks';
import { detectPhotoType } from '../lib/images/detect-type';
import { findDuplicate } from '../lib/images/phash';
import { preparePhoto, STORED_EXTENSIONS, type PreparedPhoto } from '../lib/images/prepare';
import { PhotoRejectedError, rejectionReasons } from '../lib/images/rejection';
import type { Logger } from '../lib/logger/logger';
import { incomingFolder, photoFiles, relativeToRoot } from '../lib/photo-storage';
import { within, type StoragePaths } from '../lib/storage';
import { DiskFullError, isDiskFull } from './middleware/disk-space';
import { receivePhotoFiles, UploadStorageError, type ReceivedFile } from './photo-upload';

/**
 * Photos decoded at once, across all requests: one per core (sharp decodes each on one thread), at least 2 and at
 * most 4, since each can hold a 50-megapixel picture in memory.
 */
const PROCESSING_CONCURRENCY = Math.min(4, Math.max(2, os.availableParallelism()));
/** Leftovers of uploads interrupted by a crash are removed once this old. */
const STALE_INCOMING_MS = 60 * 60 * 1000;

type Prepared = { photoId: string; prepared: PreparedPhoto } | { rejection: string };
/** What became of an admitted file: prepared, refused, or lost with a broken-off upload. */
type Outcome = Prepared | { aborted: true };

export interface PhotoIntake {
  /** Reads a multipart upload for a character (known to exist) and stores what it accepts. */
  upload(req: Request, characterId: string, logger: Logger): Promise<UploadPhotosResult & { files: number }>;
}

/** The answer to an upload that ran out of space: which file, and what of the upload was kept. */
function diskFullDuringUpload(filename: string, kept: number): DiskFullError {
  const what =
    kept === 0
      ? ', and no photo of this upload was kept. Free some space, then upload them again.'
      : `; ${kept} photo${kept === 1 ? '' : 's'} of this upload ${kept === 1 ? 'was' : 'were'} kept. Free some space, then upload the rest again.`;
  return new DiskFullError(`${filename} could not be stored${what}`);
}

async function removeStaleIncoming(folder: string): Promise<void> {
  const names = await readdir(folder).catch(() => []);
  for (const name of names) {
    const file = within(folder, name);
    const info = await stat(file).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_INCOMING_MS) await rm(file, { force: true });
  }
}

export interface PhotoIntakeOptions {
  db: Database;
  storage: StoragePaths;
  /** Each accepted photo and its thumbnail are pushed there (GPU workers pull them to caption or train). */
  artifacts: ArtifactStore;
  /** Told of each photo as soon as it is stored (the background checks start on it then). */
  stored?: (photo: Photo) => void;
}

export function createPhotoIntake({ db, storage, artifacts, stored: onStored }: PhotoIntakeOptions): PhotoIntake {
  const keyOf = (file: string) => artifactKey(relativeToRoot(storage, file));
  const incoming = incomingFolder(storage);
  const ready = mkdir(incoming, { recursive: true }).then(() => removeStaleIncoming(incoming));
  ready.catch(() => {}); // every upload awaits it and reports the failure
  const processing = createLimiter(PROCESSING_CONCURRENCY);
  // Counting and duplicate checks read the character's photos, then insert: one commit per character at a time.
  const perCharacter = createKeyedLock();

  async function prepare(file: ReceivedFile, characterId: string): Promise<Prepared> {
    const photoId = randomUUID();
    const files = photoFiles(storage, characterId, photoId);
    try {
      const detected = detectPhotoType(file.head);
      if ('rejection' in detected) return { rejection: detected.rejection };
      await mkdir(files.folder, { recursive: true });
      const target = { imagePath: files.image, thumbnailPath: files.thumbnail };
      const upload = { path: file.path, format: detected.format, sizeBytes: file.sizeBytes, sha256: file.sha256 };
      const prepared = await preparePhoto(upload, target);
      for (const file of [prepared.imagePath, prepared.thumbnailPath]) await artifacts.push(keyOf(file));
      return { photoId, prepared };
    } catch (err) {
      if (err instanceof PhotoRejectedError) return { rejection: err.reason };
      // A server-side failure (a full disk, say) may strike between writing the image and its thumbnail.
      await Promise.all([...STORED_EXTENSIONS.map(files.image), files.thumbnail].map((f) => rm(f, { force: true })));
      throw err;
    } finally {
      await rm(file.path, { force: true });
    }
  }

  async function discard(prepared: PreparedPhoto): Promise<void> {
    await Promise.all([prepared.imagePath, prepared.thumbnailPath].map((file) => artifacts.remove(keyOf(file))));
    await Promise.all([rm(prepared.imagePath, { force: true }), rm(prepared.thumbnailPath, { force: true })]);
  }

  /** Stores a prepared photo unless the character is full; duplicates are flagged, not refused. */
  function commit(characterId: string, filename: string, photoId: string, prepared: PreparedPhoto) {
    return perCharacter(characterId, async (): Promise<Photo | { rejection: string }> => {
      const others = await photoFingerprints(db, characterId);
      if (others.length >= PHOTO_LIMITS.maxPhotosPerCharacter) return { rejection: rejectionReasons.characterFull };
      const duplicate = findDuplicate(prepared, others);
      return insertPhoto(db, {
        id: photoId,
        characterId,
        originalName: filename,
        filePath: relativeToRoot(storage, prepared.imagePath),
        mimeType: prepared.mimeType,
        sha256: prepared.sha256,
        sizeBytes: prepared.sizeBytes,
        width: prepared.width,
        height: prepared.height,
        exifOrientation: prepared.exifOrientation,
        phash: prepared.phash,
        sharpness: prepared.sharpness,
        caption: DEFAULT_CAPTION,
        checks: photoChecks(prepared, duplicate),
      });
    });
  }

  return {
    async upload(req, characterId, logger) {
      await ready;
      const existing = await countPhotos(db, characterId);
      const accepted: Array<{ index: number; photo: Photo }> = [];
      const rejected: Array<{ index: number; filename: string; reason: string }> = [];
      let serverError: unknown;
      /** The file whose processing or record failed with {@link serverError}. */
      let failedFile = '';
      let broken = false;

      const reject = (index: number, filename: string, reason: string) => {
        rejected.push({ index, filename, reason });
        logger.info('photo.rejected', `Photo "${filename}" rejected: ${reason}`, { characterId, filename, reason });
      };

      async function settle(index: number, filename: string, outcome: Outcome): Promise<void> {
        if ('aborted' in outcome) return;
        if ('rejection' in outcome) return reject(index, filename, outcome.rejection);
        // After a broken-off upload the person sees an error: store nothing more of it.
        if (serverError || broken) return discard(outcome.prepared);
        try {
          const stored = await commit(characterId, filename, outcome.photoId, outcome.prepared);
          if ('rejection' in stored) {
            await discard(outcome.prepared);
            return reject(index, filename, stored.rejection);
          }
          accepted.push({ index, photo: stored });
          onStored?.(stored);
          logger.info('photo.accepted', `Photo "${filename}" accepted`, {
            characterId,
            photoId: stored.id,
            filename,
            mimeType: stored.mimeType,
            width: stored.width,
            height: stored.height,
            sizeBytes: stored.sizeBytes,
            checks: stored.checks,
          });
        } catch (err) {
          if (!serverError) [serverError, failedFile] = [err, filename];
          await discard(outcome.prepared).catch(() => {});
        }
      }

      // Files are prepared two at a time but committed in upload order (each file gets its turn when it starts
      // streaming in), so "duplicate of" points at the earlier file of a pair whichever finished first, and the
      // list shows the photos in the order they were sent.
      const turns = new Map<number, (outcome: Promise<Outcome>) => void>();
      let commits = Promise.resolve();
      const takeTurn = (index: number, filename: string) => {
        const outcome = new Promise<Promise<Outcome>>((resolve) => turns.set(index, resolve));
        commits = commits.then(async () => {
          let settled: Outcome;
          try {
            settled = await (await outcome);
          } catch (err) {
            if (!serverError) [serverError, failedFile] = [err, filename];
            return;
          }
          await settle(index, filename, settled);
        });
      };
      const fulfil = (index: number, outcome: Promise<Outcome>) => {
        outcome.catch(() => {}); // awaited in its turn; this only keeps an early failure from counting as unhandled
        turns.get(index)?.(outcome);
        turns.delete(index);
      };

      let files = 0;
      let failure: unknown;
      try {
        files = await receivePhotoFiles(req, incoming, {
          admit: (index, filename) => {
            if (index >= PHOTO_LIMITS.maxFilesPerUpload) return rejectionReasons.tooManyInUpload;
            if (existing + accepted.length >= PHOTO_LIMITS.maxPhotosPerCharacter) return rejectionReasons.characterFull;
            takeTurn(index, filename);
            return undefined;
          },
          received: (file) => fulfil(file.index, processing(() => prepare(file, characterId))),
          rejected: (index, filename, reason) => {
            if (turns.has(index)) fulfil(index, Promise.resolve({ rejection: reason }));
            else reject(index, filename, reason);
          },
        });
      } catch (err) {
        broken = true;
        failure = err;
      }
      // Files whose upload broke off never arrive: release their turns.
      for (const index of [...turns.keys()]) fulfil(index, Promise.resolve({ aborted: true }));
      await commits;
      const problem = failure ?? serverError;
      if (problem !== undefined) {
        if (!isDiskFull(problem)) throw problem;
        // What was stored whole, with its record, stays; nothing partial does (see prepare and settle).
        const filename = problem instanceof UploadStorageError ? problem.filename : failedFile;
        logger.warn('photo.disk_full', `Upload stopped: the disk is full (${filename}); ${accepted.length} photo(s) kept`, {
          characterId,
          filename,
          kept: accepted.length,
          error: problem,
        });
        throw diskFullDuringUpload(filename, accepted.length);
      }
      return {
        files,
        accepted: accepted.sort((a, b) => a.index - b.index).map((a) => a.photo),
        rejected: rejected.sort((a, b) => a.index - b.index).map(({ filename, reason }) => ({ filename, reason })),
      };
    },
  };
}
