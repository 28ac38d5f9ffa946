import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { maintainServiceLogs, moveToArchive, utcDay, withRotationLock } from './rotate';

/** `LOG_MAX_FILE_MB`'s default: a log file is rotated before it passes 50 MB. */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
/** An open file nobody wrote to for this long is closed (a finished run's subprocess log), and reopened if needed. */
const IDLE_CLOSE_MS = 5 * 60_000;
const TICK_MS = 60_000;
/** How long a writer waits for another process's rotation of the same file (a rename) before writing on. */
const ROTATION_LOCK_WAIT_MS = 100;
/** The first maintenance of a service's logs, after a process starts: in the background, once start-up is done. */
const START_MAINTENANCE_DELAY_MS = 5_000;

/**
 * The size cap when the caller passes none: `LOG_MAX_FILE_MB` (validated by lib/config.ts at every entry point,
 * whose `config.log.maxFileBytes` callers pass explicitly), else 50 MB.
 */
export function defaultMaxFileBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.LOG_MAX_FILE_MB);
  return Number.isInteger(mb) && mb >= 1 && mb <= 10_000 ? mb * 1024 * 1024 : DEFAULT_MAX_FILE_BYTES;
}

/** The UTC day of a log file's first line (its `timestamp`), read from its start. */
function firstLineDay(fd: number): string | undefined {
  const buffer = Buffer.alloc(512);
  const read = readSync(fd, buffer, 0, buffer.length, 0);
  return /"timestamp":"(\d{4}-\d{2}-\d{2})T/.exec(buffer.subarray(0, read).toString('utf8'))?.[1];
}

let lastFailureReport = 0;
function reportWriteFailure(file: string, err: unknown): void {
  // A log line that cannot be written (a full disk) must not take the process down; say so now and then.
  if (Date.now() - lastFailureReport < 60_000) return;
  lastFailureReport = Date.now();
  try {
    process.stderr.write(`Could not write to ${file}: ${(err as Error).message}\n`);
  } catch {
    // nowhere left to say it
  }
}

/**
 * One log file of this process, written line by line (synchronously, appending), rotated by its writer: before a line
 * would take it past `maxBytes`, and at its first line of a new UTC day, the file moves to the service's archive and a
 * new one starts. Other processes may append to the same file and rotate it too: before each line the writer checks
 * that the path still names the file it holds, and reopens it if not, so a line always lands in the current file.
 */
export class RotatingLogFile {
  private fd: number | undefined;
  private ino = -1;
  /** The UTC day of the open file's first line. */
  private day = '';
  /** After a rotation lock that stayed taken (a holder stopped mid-rename), when to try again. */
  private retryRotationAt = 0;
  lastWriteAt = 0;

  constructor(
    readonly serviceDir: string,
    readonly file: string,
    public maxBytes: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Opens (creates) the file now rather than at its first line. */
  open(): void {
    try {
      this.current(this.now());
      this.lastWriteAt = this.now().getTime();
    } catch (err) {
      reportWriteFailure(this.file, err);
    }
  }

  write(line: string): void {
    try {
      const now = this.now();
      const size = this.current(now);
      const bytes = Buffer.byteLength(line);
      if (size === 0) this.day = utcDay(now);
      else if ((size + bytes > this.maxBytes || this.day !== utcDay(now)) && now.getTime() >= this.retryRotationAt) this.rotate(now);
      writeSync(this.fd!, line);
      this.lastWriteAt = now.getTime();
    } catch (err) {
      reportWriteFailure(this.file, err);
    }
  }

  /**
   * Moves the file to the archive if it is still the one this writer holds: another writer of the same file may have
   * rotated it meanwhile (then the path names its new file, which this one opens). The rotation lock is waited for a
   * little: a writer that found it taken (another one renaming this very moment) sees the new file once it is free.
   */
  private rotate(now: Date): void {
    const locked = withRotationLock(
      this.serviceDir,
      () => {
        const stat = statSync(this.file, { throwIfNoEntry: false });
        if (stat && stat.ino === this.ino) moveToArchive(this.serviceDir, this.file, now);
      },
      ROTATION_LOCK_WAIT_MS,
    );
    // Lock still taken after the wait (its holder stopped, say SIGSTOP): lines join the old file, archived with the rest
    // later; no further wait for a second, so that logging does not slow down until the lock counts as stale.
    if (!locked) this.retryRotationAt = now.getTime() + 1_000;
    this.current(now);
  }

  /** Makes sure the open file is the one the path names (opening it if need be); returns its size. */
  private current(now: Date): number {
    const stat = statSync(this.file, { throwIfNoEntry: false });
    if (this.fd !== undefined && stat && stat.ino === this.ino) return stat.size;
    this.close();
    mkdirSync(path.dirname(this.file), { recursive: true });
    markWriter(this.serviceDir);
    const fd = openSync(this.file, 'a+');
    const own = fstatSync(fd);
    this.fd = fd;
    this.ino = own.ino;
    this.day = own.size === 0 ? utcDay(now) : (firstLineDay(fd) ?? utcDay(own.birthtimeMs > 0 ? own.birthtimeMs : own.mtimeMs));
    return own.size;
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
    this.ino = -1;
  }
}

/** This process's log files by path (each written through one object), and the services whose logs it writes. */
const files = new Map<string, RotatingLogFile>();
const services = new Map<string, { maintainedDay: string }>();
let ticker: NodeJS.Timeout | undefined;

function writerMarker(serviceDir: string): string {
  return path.join(serviceDir, 'latest', '.writers', String(process.pid));
}

/** Marks this process as a writer of the service's `latest/` (see rotateServiceLogs), again if it was archived. */
function markWriter(serviceDir: string): void {
  const marker = writerMarker(serviceDir);
  if (existsSync(marker)) return;
  mkdirSync(path.dirname(marker), { recursive: true });
  writeFileSync(marker, '');
}

function unmarkWriters(): void {
  for (const serviceDir of services.keys()) {
    try {
      unlinkSync(writerMarker(serviceDir));
    } catch {
      // archived or removed
    }
  }
}

function maintain(serviceDir: string, now: Date): void {
  const state = services.get(serviceDir);
  if (!state) return;
  state.maintainedDay = utcDay(now);
  maintainServiceLogs(serviceDir, now).catch((err: unknown) => reportWriteFailure(serviceDir, err));
}

/**
 * Once a minute: closes files idle for a while, and on the first tick of a new UTC day applies the retention policy
 * (maintainServiceLogs) to every service this process writes. Exported for tests.
 */
export function logFilesTick(now = new Date()): void {
  for (const [file, log] of files) {
    if (log.isOpen && now.getTime() - log.lastWriteAt > IDLE_CLOSE_MS) {
      log.close();
      files.delete(file);
    }
  }
  const today = utcDay(now);
  for (const [serviceDir, state] of services) if (state.maintainedDay !== today) maintain(serviceDir, now);
}

/**
 * The file of this process at `file` (under `<serviceDir>/latest/`), shared by every logger that writes it. The
 * first file of a service also starts the service's maintenance: now (in the background) and once a day.
 */
export function openLogFile(options: { serviceDir: string; file: string; maxBytes?: number }): RotatingLogFile {
  let log = files.get(options.file);
  if (!log) {
    log = new RotatingLogFile(options.serviceDir, options.file, options.maxBytes ?? defaultMaxFileBytes());
    files.set(options.file, log);
  } else if (options.maxBytes !== undefined) {
    log.maxBytes = options.maxBytes;
  }
  if (!services.has(options.serviceDir)) {
    services.set(options.serviceDir, { maintainedDay: '' });
    markWriter(options.serviceDir);
    const serviceDir = options.serviceDir;
    setTimeout(() => maintain(serviceDir, new Date()), START_MAINTENANCE_DELAY_MS).unref();
    if (services.size === 1) process.once('exit', unmarkWriters);
  }
  if (!ticker) {
    ticker = setInterval(() => logFilesTick(), TICK_MS);
    ticker.unref();
  }
  log.open();
  return log;
}
