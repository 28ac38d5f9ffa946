import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { isProcessAlive } from '../process-alive';

/**
 * The life of a log file (design §8):
 * - `<service>/latest/` holds the files being written. At a start, the previous `latest/` moves to
 *   `archive/<YYYYMMDD_HHMMSS>/` (unless another live process still writes there).
 * - While running, the writer of a file moves it to `archive/<YYYYMMDD_HHMMSS>/<same relative path>` once it would
 *   pass the size cap, and at its first line of a new (UTC) day; files nobody wrote to today are moved there by the
 *   daily maintenance. Several processes may write one file (the supervisor and the control plane both write
 *   `api.log`): a rotation happens under the service's rotation lock, and only if the file is still the one the
 *   rotating writer holds, so no two processes ever move the same file; the others notice and reopen.
 * - Archives older than 7 days are gzip-compressed (`*.log.gz`), archives older than 30 days deleted: at each start
 *   and once a day while running.
 */
export const RETENTION_DAYS = 30;
export const COMPRESS_AFTER_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;
const WRITERS_DIR = '.writers';
const ROTATE_LOCK = '.rotate.lock';
const MAINTENANCE_LOCK = '.maintenance.lock';

/** `20261123_201905` in UTC: the name of an archive folder. */
export function archiveStamp(date: Date): string {
  const iso = date.toISOString(); // 2026-11-23T20:19:05.123Z
  return `${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}`;
}

function stampToTime(name: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})/.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** The UTC day of a moment, `2026-11-23`: a log file holds lines of one day at most. */
export function utcDay(time: Date | number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function startOfUtcDay(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

function liveWriters(latest: string): number[] {
  const dir = path.join(latest, WRITERS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid));
}

/**
 * A lock file of this host's processes (its folder must exist): created exclusively, holding the pid. One left by a process that died (or
 * older than `staleMs`) is taken over. Returns the release function, or undefined when another process holds it.
 */
export function tryLock(file: string, staleMs: number): (() => void) | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
      if (attempt > 0 || !lockIsStale(file, staleMs)) return undefined;
      rmSync(file, { force: true });
    }
  }
  return undefined;
}

function lockIsStale(file: string, staleMs: number): boolean {
  try {
    const stat = statSync(file);
    const pid = Number(readFileSync(file, 'utf8'));
    if (Date.now() - stat.mtimeMs > staleMs) return true;
    // An empty file is a lock being written this very moment, unless it is old (above).
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isProcessAlive(pid);
  } catch {
    return false;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this thread for `ms` (a rotation lock is held for a rename: a wait of a millisecond or two). */
function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/**
 * Runs `fn` under the service's rotation lock (held for a rename: well under a millisecond), waiting up to `waitMs`
 * for another process to let go of it; false if it did not.
 */
export function withRotationLock(serviceDir: string, fn: () => void, waitMs = 0): boolean {
  const lock = path.join(serviceDir, ROTATE_LOCK);
  const deadline = Date.now() + waitMs;
  let release = tryLock(lock, 30_000);
  while (!release && Date.now() < deadline) {
    sleepSync(1);
    release = tryLock(lock, 30_000);
  }
  if (!release) return false;
  try {
    fn();
  } finally {
    release();
  }
  return true;
}

/**
 * Moves one file of `latest/` to `archive/<stamp>/<its path under latest/>` (a later free `<stamp>_N` if that name is
 * taken). Call under the rotation lock. Returns where it went.
 */
export function moveToArchive(serviceDir: string, file: string, now = new Date()): string {
  const relative = path.relative(path.join(serviceDir, 'latest'), file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${file} is not under ${serviceDir}/latest`);
  const stamp = archiveStamp(now);
  for (let n = 1; ; n++) {
    const target = path.join(serviceDir, 'archive', n === 1 ? stamp : `${stamp}_${n}`, relative);
    if (existsSync(target) || existsSync(`${target}.gz`)) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    renameSync(file, target);
    return target;
  }
}

/**
 * At a service's start: moves `<logDir>/<service>/latest/` to `archive/<YYYYMMDD_HHMMSS>/` unless another live
 * process still writes there (a second worker on the same host), then deletes archives past the retention. The
 * compression of older archives follows in the background (`maintainServiceLogs`, run by each writer).
 */
export function rotateServiceLogs(logDir: string, service: string, now = new Date()): void {
  const base = path.join(logDir, service);
  const latest = path.join(base, 'latest');
  if (existsSync(latest) && liveWriters(latest).length === 0) {
    // Under the rotation lock: a process rotating one of this service's files this very moment keeps latest/.
    withRotationLock(base, () => {
      const archive = path.join(base, 'archive');
      mkdirSync(archive, { recursive: true });
      let target = path.join(archive, archiveStamp(now));
      for (let n = 2; existsSync(target); n++) target = path.join(archive, `${archiveStamp(now)}_${n}`);
      renameSync(latest, target);
      rmSync(path.join(target, WRITERS_DIR), { recursive: true, force: true });
    });
  }
  pruneArchives(base, now);
}

export function pruneArchives(serviceDir: string, now = new Date(), retentionDays = RETENTION_DAYS): void {
  const archive = path.join(serviceDir, 'archive');
  if (!existsSync(archive)) return;
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  for (const name of readdirSync(archive)) {
    const time = stampToTime(name);
    if (time !== undefined && time < cutoff) rmSync(path.join(archive, name), { recursive: true, force: true });
  }
}

/** Every `*.log` file under `dir` (not in dot-folders such as `.writers`). */
function logFilesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (entry.name.startsWith('.')) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return logFilesUnder(full);
    return entry.isFile() && entry.name.endsWith('.log') ? [full] : [];
  });
}

/**
 * Moves the files of `latest/` that nobody wrote to today (the log of a run that ended yesterday, of a worker that is
 * gone) to the archive, so that the retention reaches them while the processes run for weeks. A writer that still
 * holds one reopens a fresh file at its next line.
 */
export function archiveIdleFiles(serviceDir: string, now = new Date()): string[] {
  const today = startOfUtcDay(now);
  const moved: string[] = [];
  for (const file of logFilesUnder(path.join(serviceDir, 'latest'))) {
    const idle = (f: string) => {
      const stat = statSync(f, { throwIfNoEntry: false });
      return stat !== undefined && stat.mtimeMs < today;
    };
    if (!idle(file)) continue;
    withRotationLock(serviceDir, () => {
      // Checked again under the lock: another process may have moved it, or written to it, meanwhile.
      if (idle(file)) moved.push(moveToArchive(serviceDir, file, now));
    });
  }
  return moved;
}

/** Gzips every `*.log` in the archives older than `afterDays` (to `*.log.gz`, through a temporary file). */
export async function compressArchives(serviceDir: string, now = new Date(), afterDays = COMPRESS_AFTER_DAYS): Promise<string[]> {
  const archive = path.join(serviceDir, 'archive');
  if (!existsSync(archive)) return [];
  const cutoff = now.getTime() - afterDays * DAY_MS;
  const done: string[] = [];
  for (const name of readdirSync(archive)) {
    const time = stampToTime(name);
    if (time === undefined || time >= cutoff) continue;
    const folder = path.join(archive, name);
    removeAbandonedTemporaries(folder);
    for (const file of logFilesUnder(folder)) {
      const target = `${file}.gz`;
      const temporary = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await pipeline(createReadStream(file), createGzip(), createWriteStream(temporary));
        renameSync(temporary, target);
        rmSync(file, { force: true });
        done.push(target);
      } catch {
        rmSync(temporary, { force: true });
      }
    }
  }
  return done;
}

function removeAbandonedTemporaries(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) removeAbandonedTemporaries(full);
    const pid = /\.gz\.tmp-(\d+)(?:-[0-9a-f]+)?$/.exec(entry.name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid))) rmSync(full, { force: true });
  }
}

/**
 * The retention policy of one service's logs, while running: files idle since an earlier day archived, archives past
 * 7 days compressed, past 30 days deleted. One process at a time per service (a lock); the others skip.
 */
export async function maintainServiceLogs(serviceDir: string, now = new Date()): Promise<boolean> {
  if (!existsSync(serviceDir)) return false;
  const release = tryLock(path.join(serviceDir, MAINTENANCE_LOCK), 6 * 3600 * 1000);
  if (!release) return false;
  try {
    archiveIdleFiles(serviceDir, now);
    pruneArchives(serviceDir, now);
    await compressArchives(serviceDir, now);
    return true;
  } finally {
    release();
  }
}

/** Marks this process as a writer of `latest/` so that a sibling starting later does not rotate it away. */
export function registerWriter(latest: string): () => void {
  const dir = path.join(latest, WRITERS_DIR);
  mkdirSync(dir, { recursive: true });
  const marker = path.join(dir, String(process.pid));
  writeFileSync(marker, '');
  return () => {
    try {
      unlinkSync(marker);
    } catch {
      // already gone: the folder was archived or removed
    }
  };
}
