import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';
import { isProcessAlive } from '../lib/process-alive';
import { PROJECT_ROOT } from '../lib/project-root';

export type Schema = typeof schema;
/** Either engine behind one type: code above this module never knows which one it talks to. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'db', 'migrations');
/** Any constant: serialises migrations of processes sharing one PostgreSQL server. */
const MIGRATION_LOCK_KEY = 7_349_127_001;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Applies pending migrations (idempotent). */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export class DatabaseLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The embedded database in ${dir} is in use by process ${pid}. ` +
        'Only one process can open it; stop that process, or set DATABASE_URL to share a PostgreSQL server.',
    );
    this.name = 'DatabaseLockedError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}


/** PGlite is single-process: a lock file turns a second opener into a clear error instead of a corrupt store. */
function lockPgliteDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.isengard.lock');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid)) throw new DatabaseLockedError(dir, pid);
  }
  writeFileSync(lock, String(process.pid));
  return () => {
    try {
      if (readFileSync(lock, 'utf8').trim() === String(process.pid)) unlinkSync(lock);
    } catch {
      // already removed
    }
  };
}

/*
 * Each engine's driver is imported when that engine is opened: a process only ever uses one of them, and the other
 * would stay loaded for nothing (the PostgreSQL driver and its drizzle adapter hold about 2 MB).
 */

/**
 * PostgreSQL's shared memory lives inside PGlite's WebAssembly memory, which never shrinks and is all touched as
 * it starts: the default 128 MB of shared buffers made the idle control plane about 110 MB larger. Isengard's data
 * is a few megabytes (the files are on disk, not in the database), the operating system caches PGlite's data files
 * besides, and what is read often is answered from memory above it (api/middleware/list-cache.ts), so 4 MB of
 * buffers do. PGlite runs one backend: room for 100 connections would only take memory.
 */
const PGLITE_SETTINGS = ['-c', 'shared_buffers=4MB', '-c', 'max_connections=5'];

/** Opens the embedded PGlite store in `dir` (or in memory with `dir: null`). */
export async function openPglite(dir: string | null): Promise<DatabaseHandle> {
  const unlock = dir ? lockPgliteDir(dir) : () => {};
  try {
    const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('drizzle-orm/pglite'),
      import('drizzle-orm/pglite/migrator'),
    ]);
    const options = { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] };
    const client = dir ? await PGlite.create(dir, options) : await PGlite.create(options);
    const db = drizzlePglite({ client, schema }) as unknown as Database;
    return {
      db,
      kind: 'pglite',
      migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR }),
      ping: async (timeoutMs = 2_000) => {
        await withTimeout(client.query('select 1'), timeoutMs, 'The embedded database');
      },
      close: async () => {
        await client.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** Connects to a PostgreSQL server. */
export async function openPostgres(url: string, poolSize = 10): Promise<DatabaseHandle> {
  const [{ default: postgres }, { drizzle: drizzlePostgres }, { migrate: migratePostgres }] = await Promise.all([
    import('postgres'),
    import('drizzle-orm/postgres-js'),
    import('drizzle-orm/postgres-js/migrator'),
  ]);
  const client = postgres(url, { max: poolSize, onnotice: () => {}, connect_timeout: 10 });
  const db = drizzlePostgres({ client, schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    migrate: async () => {
      const lockClient = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
      try {
        await lockClient`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres({ client: lockClient }), { migrationsFolder: MIGRATIONS_DIR });
        await lockClient`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await lockClient.end({ timeout: 5 });
      }
    },
    ping: async (timeoutMs = 2_000) => {
      await withTimeout(db.execute(sql`select 1`), timeoutMs, 'The PostgreSQL server');
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** The database the configuration names: a PostgreSQL server when DATABASE_URL is set, else PGlite under the data root. */
export function openDatabase(options: { databaseUrl?: string | undefined; pgliteDir: string }): Promise<DatabaseHandle> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.pgliteDir);
}
