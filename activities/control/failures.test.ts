import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client';
import { characters } from '../../db/schema';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import { asActivityFailure } from './failures';

const NOTES = 'she is my sister, her address is 12 Private Lane';

/** Everything a failure carries out of the activity: messages, stacks and causes, all the way down. */
function everything(failure: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = failure, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    parts.push(e.message, e.stack ?? '', JSON.stringify(e));
  }
  return parts.join('\n');
}

describe.each(testDatabaseKinds())('control activity failures of a failed query (%s)', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  async function duplicateInsert(): Promise<{ id: string; err: unknown }> {
    const id = randomUUID();
    const row = { id, name: `Alice ${id.slice(0, 8)}`, triggerWord: 'alc', notes: NOTES };
    await handle.db.insert(characters).values(row);
    const err = await handle.db.insert(characters).values(row).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { id, err };
  }

  it('ends the job with the reason and the row, never the values it tried to write', async () => {
    const { err } = await duplicateInsert();
    expect(err).toBeInstanceOf(DrizzleQueryError);
    expect(String((err as Error).message)).toContain(NOTES); // drizzle's own message: why this matters

    const failure = asActivityFailure(err) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('RecordRefused');
    expect(failure.message).toMatch(/^The database refused this job's record: duplicate key value violates unique constraint/);
    expect(everything(failure)).not.toContain(NOTES);
    // The shape of the statement stays for whoever debugs it.
    expect((failure.cause as Error).message).toMatch(/^Failed query: insert into "characters" \("id", "name", .*\nparams: \[not logged\]$/);
  });

  it('retries a transient failure as before, without the values', async () => {
    const { id } = await duplicateInsert();
    const dropped = Object.assign(new Error('write CONNECTION_CLOSED db:5432'), { code: 'CONNECTION_CLOSED' });
    const err = new DrizzleQueryError('update "characters" set "notes" = $1 where "characters"."id" = $2', [NOTES, id], dropped);
    const failure = asActivityFailure(err) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe('DrizzleQueryError');
    expect(failure.message).toBe('Failed query: update "characters" set "notes" = $1 where "characters"."id" = $2\nparams: [not logged]');
    expect((failure.cause as Error & { code?: string }).code).toBe('CONNECTION_CLOSED');
    expect(everything(failure)).not.toContain(NOTES);
  });
});

describe('asActivityFailure', () => {
  it('names a bug in plain words, with its message made safe', () => {
    const failure = asActivityFailure(new TypeError(`Cannot read properties of undefined: Failed query: select 1\nparams: ${NOTES}`)) as ApplicationFailure;
    expect(failure.type).toBe('InternalError');
    expect(failure.message).toBe(
      "An internal error ended this job (TypeError: Cannot read properties of undefined: Failed query: select 1\nparams: [not logged]). It is in the worker's log; please report it.",
    );
  });

  it('passes its own failures and anything thrown as text through', () => {
    const own = ApplicationFailure.nonRetryable('No usable photos', 'NoUsablePhotos');
    expect(asActivityFailure(own)).toBe(own);
    expect((asActivityFailure('just text') as ApplicationFailure).message).toContain('just text');
  });
});
