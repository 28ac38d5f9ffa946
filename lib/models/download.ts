import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { httpError, ModelDownloadError } from './errors';
import { header, openUrl } from './http';
import type { ExpectedFile } from './remote';

export type DownloadPhase = 'checking' | 'downloading';

export interface DownloadProgress {
  phase: DownloadPhase;
  bytesDone: number;
  totalBytes: number;
}

export interface DownloadRequest {
  url: string;
  /** The final path; bytes accumulate in `<target>.part` until they are verified. */
  target: string;
  expected: ExpectedFile;
  authorization?: { origin: string; value: string };
  /** Called for every chunk; the caller throttles. */
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Reconnections in a row that bring no new byte before giving up (the caller may retry later). */
  maxStalls?: number;
  retryDelayMs?: number;
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  /** sha256 of the verified bytes (recorded, whichever digest the hub gave). */
  sha256: string;
  /** Bytes that were already in the part file when this call started. */
  resumedFrom: number;
  /** Connections that broke and were resumed with a range request. */
  reconnects: number;
}

export const partPath = (target: string): string => `${target}.part`;

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Anything bytes are fed into: a Hash, or the pair a download checks. */
interface ByteSink {
  update(bytes: Buffer): unknown;
}

/** Feeds a file's bytes into `hash`, reporting progress: how a resumed download's hash catches up with its part. */
export async function hashInto(
  hash: ByteSink,
  file: string,
  onBytes?: (done: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  let done = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    onBytes?.(done);
  }
  return done;
}

export async function sha256OfFile(file: string, onBytes?: (done: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await hashInto(hash, file, onBytes, signal);
  return hash.digest('hex');
}

/**
 * The digests the bytes are checked with: always their sha256 (what is recorded), and for a file kept in git (not
 * LFS) also its git blob id, sha1 of `"blob <size>\0" + content`, which needs the size up front.
 */
class ContentDigest implements ByteSink {
  private readonly sha256 = createHash('sha256');
  private readonly gitBlob: Hash | undefined;

  constructor(private readonly expected: ExpectedFile) {
    this.gitBlob = expected.gitBlobSha1 ? createHash('sha1').update(`blob ${expected.sizeBytes}\0`) : undefined;
  }

  update(bytes: Buffer): void {
    this.sha256.update(bytes);
    this.gitBlob?.update(bytes);
  }

  /** The sha256 when the bytes are the expected ones, else why not. */
  verdict(): { sha256: string } | { mismatch: string } {
    const sha256 = this.sha256.digest('hex');
    if (this.expected.sha256 && sha256 !== this.expected.sha256) return { mismatch: `its sha256 is ${sha256}, expected ${this.expected.sha256}` };
    const gitBlob = this.gitBlob?.digest('hex');
    if (this.expected.gitBlobSha1 && gitBlob !== this.expected.gitBlobSha1) return { mismatch: `its git blob id is ${gitBlob}, expected ${this.expected.gitBlobSha1}` };
    return { sha256 };
  }
}

/** A finished file's sha256 if its size and digests are the expected ones; undefined if not. */
export async function verifiedSha256(file: string, expected: ExpectedFile, onBytes?: (done: number) => void, signal?: AbortSignal): Promise<string | undefined> {
  if ((await sizeOf(file)) !== expected.sizeBytes) return undefined;
  const digest = new ContentDigest(expected);
  await hashInto(digest, file, onBytes, signal);
  const verdict = digest.verdict();
  return 'sha256' in verdict ? verdict.sha256 : undefined;
}

/** `bytes <start>-<end>/<total>` → start, or undefined when unreadable. */
export function contentRangeStart(value: string | undefined): number | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), { once: true });
  });
}

/**
 * Downloads `url` to `target`, resumable after any interruption: bytes go to `<target>.part`; a later call (after
 * a dropped connection, a killed worker or a restart) hashes the part it finds, then asks only for the rest with an
 * HTTP range request. At the end size and digests must match `expected`, or the part is deleted and the call fails
 * (not retryable: the same bytes would come again). Only then is the part renamed into place, atomically.
 */
export async function downloadWithResume(req: DownloadRequest): Promise<DownloadResult> {
  const { expected, signal } = req;
  const part = partPath(req.target);
  const total = expected.sizeBytes;
  const report = (phase: DownloadPhase, bytesDone: number) => req.onProgress?.({ phase, bytesDone, totalBytes: total });
  await mkdir(path.dirname(req.target), { recursive: true });

  let offset = await sizeOf(part);
  if (offset > total) {
    await rm(part, { force: true });
    offset = 0;
  }
  const resumedFrom = offset;
  let hash = new ContentDigest(expected);
  if (offset > 0) {
    report('checking', 0);
    const hashed = await hashInto(hash, part, (done) => report('checking', done), signal);
    // The part cannot shrink under us; if it grew, another writer is at work and the result cannot be trusted.
    if (hashed !== offset) throw new ModelDownloadError('network', `${part} changed while it was being read`, true);
  }
  report('downloading', offset);

  const file = await open(part, 'a');
  let reconnects = 0;
  let stalls = 0;
  try {
    while (offset < total) {
      signal?.throwIfAborted();
      const before = offset;
      try {
        const res = await openUrl(req.url, {
          method: 'GET',
          followRedirects: true,
          authorization: req.authorization,
          headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
          signal,
          idleTimeoutMs: req.idleTimeoutMs,
        });
        if (res.status === 416 && offset > 0) {
          res.body.resume();
          throw new ModelDownloadError('size_mismatch', `The server has fewer bytes than the expected ${total}: the file there is not the expected one`, false);
        }
        if (res.status === 200 && offset > 0) {
          // The server ignored the range: start again from the first byte.
          await file.truncate(0);
          hash = new ContentDigest(expected);
          offset = 0;
        } else if (res.status === 206) {
          const start = contentRangeStart(header(res.headers, 'content-range'));
          if (start !== offset) {
            res.body.resume();
            throw new ModelDownloadError('http', `The server answered the range request for byte ${offset} with ${header(res.headers, 'content-range') ?? 'no Content-Range'}`, true);
          }
        } else if (res.status !== 200) {
          res.body.resume();
          throw httpError(res.status, req.url);
        }
        for await (const chunk of res.body) {
          const bytes = chunk as Buffer;
          if (offset + bytes.length > total) {
            res.body.destroy();
            throw new ModelDownloadError('size_mismatch', `The server sent more than the expected ${total} bytes: the file there is not the expected one`, false);
          }
          // Written first, hashed second: the hash never covers a byte the part file does not hold.
          await file.write(bytes, 0, bytes.length, null);
          hash.update(bytes);
          offset += bytes.length;
          report('downloading', offset);
        }
        if (offset < total) throw new ModelDownloadError('network', `The connection closed at byte ${offset} of ${total}`, true);
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        const failure =
          err instanceof ModelDownloadError ? err : new ModelDownloadError('network', `The connection broke at byte ${offset} of ${total}: ${(err as Error).message}`, true);
        if (!failure.retryable) throw failure;
        stalls = offset > before ? 0 : stalls + 1;
        if (stalls > (req.maxStalls ?? 5)) throw failure;
        reconnects++;
        await sleep(Math.min(30_000, (req.retryDelayMs ?? 1_000) * 2 ** Math.max(0, stalls - 1)), signal);
      }
    }
    await file.sync();
  } catch (err) {
    // Bytes proven wrong are not worth resuming from.
    if (err instanceof ModelDownloadError && err.code === 'size_mismatch') {
      await file.close();
      await rm(part, { force: true });
    }
    throw err;
  } finally {
    await file.close().catch(() => undefined);
  }

  const verdict = hash.verdict();
  if ('mismatch' in verdict) {
    await rm(part, { force: true });
    throw new ModelDownloadError(
      'checksum_mismatch',
      `The downloaded file is damaged or not the expected one: ${verdict.mismatch}. It was deleted; downloading again starts from scratch`,
      false,
    );
  }
  await rename(part, req.target);
  await syncDirectory(path.dirname(req.target));
  return { sha256: verdict.sha256, resumedFrom, reconnects };
}

/** Makes a rename durable across a power loss (best effort: not every file system allows it). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // not supported here
  }
}

