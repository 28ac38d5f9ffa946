import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { RequestHandler } from 'express';
import type { Config } from '../../lib/config';
import type { ErrorCode } from '../../lib/contracts/errors';
import { HttpError } from '../errors';

const MB = 1024 * 1024;

/** Error codes that mean "no space left": the file system's, a quota's, and PostgreSQL's `disk_full` SQLSTATE. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', '53100']);

/** Whether an error, or one of its causes (drizzle and our own wrappers keep the original as `cause`), is a full disk. */
export function isDiskFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (DISK_FULL_CODES.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

/**
 * 507 Insufficient Storage, `{error: {code: 'disk_full', message}}`; the message always starts "The disk is full: ".
 * (`disk_full` is one of the API's error codes: lib/contracts/errors.ts.)
 */
export class DiskFullError extends HttpError {
  constructor(detail: string) {
    super(507, 'disk_full' as ErrorCode, `The disk is full: ${detail}`);
    this.name = 'DiskFullError';
  }
}

/** What a volume holds, from statfs: the space an unprivileged process may still use, and the whole. */
export interface VolumeSpace {
  freeBytes: number;
  totalBytes: number;
  /** The device number: two folders with the same one share a volume. */
  device: number;
}

/** The nearest existing folder at or above `dir` (a log folder is created at the first line written). */
async function existingAncestor(dir: string): Promise<string> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      await stat(current);
      return current;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(current) === current) throw err;
    }
  }
}

/** Free and total space of the volume that holds `dir` (fs.statfs: one system call, no disk access). */
export async function volumeSpace(dir: string): Promise<VolumeSpace> {
  const existing = await existingAncestor(dir);
  const [fs, info] = await Promise.all([statfs(existing), stat(existing)]);
  return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize, device: info.dev };
}

/** Megabytes, rounded down: what is there, never more. */
export const wholeMb = (bytes: number) => Math.floor(bytes / MB);

/**
 * Refuses to begin work that writes to the data volume (an upload, a training, a generation) while less than
 * DISK_RESERVE_MB is free there: a clear 507 now instead of a job failing halfway. A volume that cannot be
 * measured does not block anything (the writes themselves still answer 507 if they fail for lack of space).
 *   router.post('/', requireJson, requireFreeSpace(deps), …)
 */
export function requireFreeSpace({ config }: { config: Pick<Config, 'storage' | 'disk'> }): RequestHandler {
  const reserveBytes = config.disk.reserveMb * MB;
  return async (_req, _res, next) => {
    let free: number;
    try {
      free = (await volumeSpace(config.storage.root)).freeBytes;
    } catch {
      next();
      return;
    }
    if (free >= reserveBytes) {
      next();
      return;
    }
    // An unread request body (an upload) is read and dropped by Node once the answer is sent, so the client,
    // still sending, gets the answer rather than a reset connection.
    next(new DiskFullError(`only ${wholeMb(free)} MB free on the data volume; free some space, then try again.`));
  };
}
