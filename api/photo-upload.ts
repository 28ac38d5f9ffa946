import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy, { type Busboy } from 'busboy';
import type { Request } from 'express';
import { PHOTO_LIMITS, PHOTO_UPLOAD_FIELD } from '../lib/contracts/photos';
import { displayFilename } from '../lib/filenames';
import { SNIFF_LENGTH } from '../lib/images/detect-type';
import { rejectionReasons } from '../lib/images/rejection';
import { within } from '../lib/storage';
import { HttpError } from './errors';

/** Far more than any real batch needs: every allowed file at the largest allowed size, plus multipart framing. */
export const MAX_UPLOAD_BYTES = PHOTO_LIMITS.maxFilesPerUpload * PHOTO_LIMITS.maxFileBytes + 1024 * 1024;
/** Files past `maxFilesPerUpload` each get a reason in the answer, up to this many; beyond it the request fails. */
const MAX_FILE_PARTS = 1000;

export const tooLargeUpload = () =>
  new HttpError(
    413,
    'payload_too_large',
    `This upload is larger than ${Math.round(MAX_UPLOAD_BYTES / 1024 ** 2)} MB, more than any batch of photos needs; ` +
      'send fewer photos at once',
  );

/** A file of the upload, streamed to disk and measured on the way. */
export interface ReceivedFile {
  /** Position among the photo files of the request, from 0. */
  index: number;
  /** Display only (sanitised); never part of a path. */
  filename: string;
  /** The temporary file; whoever receives it deletes or moves it. */
  path: string;
  sizeBytes: number;
  sha256: string;
  /** The first bytes, for detecting the type. */
  head: Buffer;
}

export interface UploadHandlers {
  /** A photo file begins: a reason refuses it without storing a byte (too many files, say). */
  admit(index: number, filename: string): string | undefined;
  /** A file is complete on disk. */
  received(file: ReceivedFile): void;
  /** A file was refused while it streamed in. */
  rejected(index: number, filename: string, reason: string): void;
}

/** Counts the bytes of the whole body; past the limit the request fails with a 413 (bodies without a length). */
function bodyLimit(maxBytes: number): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > maxBytes) done(tooLargeUpload());
      else done(null, chunk);
    },
  });
}

/**
 * Writes one file part to `path`, hashing it and keeping its first bytes. A file over the size limit stops
 * being written at the limit; the rest is read and counted (so the person hears its real size) but not kept.
 * If the write fails (a full disk), the rest of the part is read and dropped: the multipart parser waits for each
 * part to be read, so a part left unread would hold the whole request (and its answer) until Node gives up on it.
 */
async function saveFile(stream: Readable, path: string) {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLength = 0;
  let sizeBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sizeBytes += chunk.length;
      if (sizeBytes > PHOTO_LIMITS.maxFileBytes) {
        done();
        return;
      }
      hash.update(chunk);
      if (headLength < SNIFF_LENGTH) {
        const part = Buffer.from(chunk.subarray(0, SNIFF_LENGTH - headLength));
        head.push(part);
        headLength += part.length;
      }
      done(null, chunk);
    },
  });
  // Not pipeline(stream, …): that would destroy the part's stream on a write error, and leave it unread. The
  // part's errors (the upload cut off) end the write while it lasts; later ones (the parser destroyed while the
  // rest of a part is dropped) have nothing left to stop, and must not go unheard.
  let writing = true;
  stream.on('error', (err) => writing && meter.destroy(err));
  stream.pipe(meter);
  try {
    await pipeline(meter, createWriteStream(path, { flags: 'wx' }));
  } catch (err) {
    stream.unpipe(meter);
    stream.resume();
    await rm(path, { force: true });
    throw err;
  } finally {
    writing = false;
  }
  if (sizeBytes > PHOTO_LIMITS.maxFileBytes) {
    await rm(path, { force: true });
    return { tooLarge: true as const, sizeBytes };
  }
  return { tooLarge: false as const, sizeBytes, sha256: hash.digest('hex'), head: Buffer.concat(head) };
}

function multipartParser(req: Request): Busboy {
  try {
    return busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { files: MAX_FILE_PARTS, fields: 50, fieldSize: 64 * 1024, parts: MAX_FILE_PARTS + 50 },
    });
  } catch (err) {
    throw new HttpError(400, 'validation_failed', `The upload is not valid multipart/form-data: ${(err as Error).message}`);
  }
}

/** Errors of our own disk, not of the request: they stay server errors (500), or 507 for a full disk. */
const STORAGE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'EIO']);

const isStorageError = (err: unknown) => STORAGE_ERRORS.has((err as NodeJS.ErrnoException).code ?? '');

/** A file of the upload could not be written to our disk; the original error is its `cause` (and its `code`). */
export class UploadStorageError extends Error {
  readonly code: string | undefined;
  constructor(
    /** The file being written, as shown to the person. */
    readonly filename: string,
    cause: unknown,
  ) {
    super(`${filename} could not be written: ${(cause as Error).message}`, { cause });
    this.name = 'UploadStorageError';
    this.code = (cause as NodeJS.ErrnoException).code;
  }
}

/** What a failed body read means for the client. */
function uploadError(err: unknown): Error {
  if (err instanceof HttpError || err instanceof UploadStorageError) return err;
  if (isStorageError(err)) return err as Error;
  return new HttpError(
    400,
    'validation_failed',
    `The upload was cut off or is not valid multipart/form-data: ${(err as Error).message}`,
  );
}

/** Reads a part and throws it away; its error (the upload cut off meanwhile) is the request's, heard there. */
function drop(stream: Readable): void {
  stream.on('error', () => {});
  stream.resume();
}

/**
 * Streams the files of the `photos` field of a multipart request to `tempDir`, one temporary file each (never
 * the whole body in memory), and hands each to `handlers` as soon as it is on disk. Parts with other names and
 * empty file inputs (a form without a chosen file sends a nameless, empty part) are skipped.
 * Resolves with the number of photo files once the body is read and every file is on disk.
 * A file that cannot be written to our disk (a full disk) fails the upload at once with an
 * {@link UploadStorageError}, without waiting for the rest of the body: that is read and dropped meanwhile, so the
 * client, still sending, hears the answer instead of a reset connection.
 */
export async function receivePhotoFiles(req: Request, tempDir: string, handlers: UploadHandlers): Promise<number> {
  const parser = multipartParser(req);
  const saves: Promise<void>[] = [];
  let count = 0;
  let storageFailed: (err: UploadStorageError) => void = () => {};
  const storageFailure = new Promise<never>((_, reject) => (storageFailed = reject));
  storageFailure.catch(() => {});
  let dropping = false;

  parser.on('file', (field, stream, info) => {
    if (dropping || field !== PHOTO_UPLOAD_FIELD || !info.filename) {
      drop(stream);
      return;
    }
    const index = count++;
    const filename = displayFilename(info.filename);
    const refusal = handlers.admit(index, filename);
    if (refusal) {
      drop(stream);
      handlers.rejected(index, filename, refusal);
      return;
    }
    const path = within(tempDir, `${randomUUID()}.upload`);
    const save = saveFile(stream, path).then(
      (saved) => {
        if (saved.tooLarge) handlers.rejected(index, filename, rejectionReasons.tooLarge(filename, saved.sizeBytes));
        else handlers.received({ index, filename, path, sizeBytes: saved.sizeBytes, sha256: saved.sha256, head: saved.head });
      },
      (err: unknown) => {
        if (!isStorageError(err)) throw err;
        const failure = new UploadStorageError(filename, err);
        dropping = true;
        storageFailed(failure);
        throw failure;
      },
    );
    save.catch(() => {}); // settled below, once the body is read; a file can fail before that
    saves.push(save);
  });
  const tooManyParts = new Promise<never>((_, reject) => {
    const message = `This upload has more than ${MAX_FILE_PARTS} files; send fewer at once`;
    const refuse = () => reject(new HttpError(413, 'payload_too_large', message));
    parser.once('filesLimit', refuse);
    parser.once('partsLimit', refuse);
  });
  tooManyParts.catch(() => {});

  const body = pipeline(req, bodyLimit(MAX_UPLOAD_BYTES), parser);
  try {
    await Promise.race([body, tooManyParts, storageFailure]);
  } catch (err) {
    if (err instanceof UploadStorageError) {
      // The rest of the body goes on being read (its parts dropped) after the answer; nothing waits for it.
      body.catch(() => {});
    } else {
      req.unpipe();
      parser.destroy();
    }
    await Promise.allSettled(saves);
    throw uploadError(err);
  }
  const results = await Promise.allSettled(saves);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw uploadError(failed.reason);
  return count;
}
