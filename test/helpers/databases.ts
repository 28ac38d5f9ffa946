import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { openPglite, openPostgres, type DatabaseHandle } from '../../db/client';

export type TestDatabaseKind = 'pglite' | 'postgres';

/**
 * The engines the data layer is tested against: PGlite and a real PostgreSQL server, always. The server is the
 * one TEST_DATABASE_URL names, else the one the test run's global setup started (test/postgres-setup.ts).
 */
export function testDatabaseKinds(): TestDatabaseKind[] {
  return ['pglite', 'postgres'];
}

/** The PostgreSQL server's superuser URL; a test that needs one fails here, never skips, when there is none. */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'No PostgreSQL server for the tests: TEST_DATABASE_URL is not set. Run the tests through vitest with the ' +
        "project's vitest.config.ts (its global setup test/postgres-setup.ts starts a server), or set TEST_DATABASE_URL.",
    );
  }
  return url;
}

/** A fresh, migrated database: in-memory PGlite, or a new database on the PostgreSQL server, dropped on close. */
export async function openTestDatabase(kind: TestDatabaseKind): Promise<DatabaseHandle> {
  if (kind === 'pglite') {
    const handle = await openPglite(null);
    await handle.migrate();
    return handle;
  }
  const serverUrl = testDatabaseUrl();
  const name = `isengard_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString(), 4);
  await handle.migrate();
  return {
    ...handle,
    async close() {
      await handle.close();
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** The rows of a raw `db.execute` result, whichever driver answered (postgres.js gives an array, PGlite `{rows}`). */
export async function rowsOf<T>(result: Promise<unknown>): Promise<T[]> {
  const answer = await result;
  return (Array.isArray(answer) ? answer : (answer as { rows: T[] }).rows) as T[];
}
