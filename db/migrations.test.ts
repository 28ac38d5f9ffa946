import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds } from '../test/helpers/databases';
import type { DatabaseHandle } from './client';

const TABLES = [
  'api_tokens',
  'caption_jobs',
  'characters',
  'generations',
  'gpu_workers',
  'loras',
  'model_files',
  'outputs',
  'photos',
  'self_tests',
  'sessions',
  'settings',
  'training_events',
  'training_loss_points',
  'training_runs',
  'training_samples',
  'webhook_deliveries',
];

describe.each(testDatabaseKinds())('migrations on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('create every table of the data model', async () => {
    const result = await handle.db.execute<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    const rows = (Array.isArray(result) ? result : (result as { rows: { table_name: string }[] }).rows) as { table_name: string }[];
    expect(rows.map((r) => r.table_name)).toEqual(TABLES);
  });

  it('are idempotent: running them again changes nothing', async () => {
    await expect(handle.migrate()).resolves.toBeUndefined();
  });
});
