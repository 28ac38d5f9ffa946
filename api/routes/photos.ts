import { Router, type Response } from 'express';
import { getCharacter } from '../../db/repositories/characters';
import { deletePhoto, getPhoto, getPhotoFile, listPhotos, updatePhoto } from '../../db/repositories/photos';
import { PHOTO_UPLOAD_FIELD, updatePhotoInput } from '../../lib/contracts/photos';
import { relativeToRoot, thumbnailPathOf } from '../../lib/photo-storage';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { requireFreeSpace } from '../middleware/disk-space';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';
import { localCopy, sendStoredFile } from '../send-file';
import { createPhotoIntake } from '../photo-intake';
import { MAX_UPLOAD_BYTES, tooLargeUpload } from '../photo-upload';

/** A stored photo never changes under its id (the orientation is baked in at intake), so browsers may keep it. */
const CACHE_CONTROL = 'private, max-age=31536000, immutable';

/** Refusing a request without reading its body: close the connection rather than read and discard it all. */
function refuseBody(res: Response, error: HttpError): never {
  res.setHeader('Connection', 'close');
  throw error;
}

function sendStored(res: Response, file: string, contentType: string): Promise<void> {
  return sendStoredFile(res, file, { what: 'Photo file', contentType, cacheControl: CACHE_CONTROL });
}

/** Photo intake (upload, checks, storage) and the photos of a character. */
export function photosRouter(deps: ApiDeps): Router {
  const { db: { db }, logger, config, lists, photoChecks, artifacts } = deps;
  const router = Router();
  const intake = createPhotoIntake({ db, storage: config.storage, artifacts, stored: (photo) => photoChecks?.analyse(photo) });

  // Below DISK_RESERVE_MB free, an upload is refused before a byte of it is stored.
  router.post('/characters/:id/photos', requireFreeSpace(deps), async (req, res) => {
    const characterId = idParam(req.params.id);
    if (!req.is('multipart/form-data')) {
      refuseBody(
        res,
        new HttpError(
          415,
          'unsupported_media_type',
          `Send the photos as multipart/form-data, in the form field "${PHOTO_UPLOAD_FIELD}"`,
        ),
      );
    }
    if (Number(req.get('content-length') ?? 0) > MAX_UPLOAD_BYTES) refuseBody(res, tooLargeUpload());
    if (!(await getCharacter(db, characterId))) refuseBody(res, notFound('Character'));

    const requestLogger = logger.child({ correlationId: req.correlationId });
    const result = await intake.upload(req, characterId, requestLogger).catch((err: unknown) => {
      if (err instanceof HttpError && err.status === 413) refuseBody(res, err);
      throw err;
    });
    if (result.files === 0) {
      const message = `No photos were sent: add the files to the form field "${PHOTO_UPLOAD_FIELD}"`;
      throw new HttpError(400, 'validation_failed', message);
    }
    requestLogger.info('photo.upload', `Upload: ${result.accepted.length} accepted, ${result.rejected.length} rejected`, {
      characterId,
      accepted: result.accepted.length,
      rejected: result.rejected.length,
    });
    res.status(201).json({ accepted: result.accepted, rejected: result.rejected });
  });

  router.get('/characters/:id/photos', lists.cached, async (req, res) => {
    const characterId = idParam(req.params.id);
    const items = await listPhotos(db, characterId);
    if (items.length === 0 && !(await getCharacter(db, characterId))) throw notFound('Character');
    res.json({ items });
  });

  router.patch('/photos/:id', requireJson, async (req, res) => {
    const id = idParam(req.params.id);
    const patch = parseOrThrow(updatePhotoInput, req.body);
    const photo = await updatePhoto(db, id, patch);
    if (!photo) throw notFound('Photo');
    logger.info('photo.updated', 'Photo updated', {
      photoId: id,
      characterId: photo.characterId,
      fields: Object.keys(patch),
    });
    if (patch.keepAnyway !== undefined) {
      const message = patch.keepAnyway ? 'Photo kept for training despite its warnings' : 'Photo no longer kept anyway';
      logger.info('photo.kept_anyway', message, { photoId: id, characterId: photo.characterId, keptAnyway: patch.keepAnyway });
    }
    // Who is the odd one out depends on which photos are in the set.
    if (patch.excluded !== undefined) photoChecks?.recheck(photo.characterId);
    res.json(photo);
  });

  // Soft delete: the files stay on disk until the character is purged (see deletePhoto).
  router.delete('/photos/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const photo = await getPhoto(db, id);
    if (!photo || !(await deletePhoto(db, id))) throw notFound('Photo');
    logger.info('photo.deleted', 'Photo deleted', { photoId: id, characterId: photo.characterId });
    photoChecks?.recheck(photo.characterId);
    res.status(204).end();
  });

  router.get('/photos/:id/file', async (req, res) => {
    const stored = await getPhotoFile(db, idParam(req.params.id));
    if (!stored) throw notFound('Photo');
    await sendStored(res, await localCopy(artifacts, stored.filePath), stored.mimeType);
  });

  router.get('/photos/:id/thumbnail', async (req, res) => {
    const stored = await getPhotoFile(db, idParam(req.params.id));
    if (!stored) throw notFound('Photo');
    await sendStored(res, await localCopy(artifacts, relativeToRoot(config.storage, thumbnailPathOf(config.storage, stored.filePath))), 'image/webp');
  });

  return router;
}
