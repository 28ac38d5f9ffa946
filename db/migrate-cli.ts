import { configOrExit } from '../lib/process';
import { openDatabase } from './client';

/** `npm run db:migrate`: applies pending migrations to the configured database (the control plane also does at start). */
const config = configOrExit();
const db = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.storage.pg });
try {
  await db.migrate();
  process.stdout.write(`Migrations applied (${db.kind === 'pglite' ? `PGlite in ${config.storage.pg}` : 'PostgreSQL server'}).\n`);
} finally {
  await db.close();
}
