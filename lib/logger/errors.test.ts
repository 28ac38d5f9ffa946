import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { isQueryError, loggableError, rowIdOf, safeErrorMessage, sanitizedError, withoutQueryParams } from './errors';

const ID = '3f2b8c1e-5d4a-4f6b-9c7d-2e1a0b9f8c7d';
const PROMPT = 'portrait of my neighbour Alice at her front door';
const INSERT = 'insert into "generations" ("id", "status", "prompt", "character_id") values ($1, default, $2, $3)';

function failedInsert(): DrizzleQueryError {
  const driver = Object.assign(new Error('duplicate key value violates unique constraint "generations_pkey"'), { code: '23505' });
  return new DrizzleQueryError(INSERT, [ID, PROMPT, null], driver);
}

describe('query errors without their parameters', () => {
  it('knows drizzle\'s failed query errors', () => {
    expect(isQueryError(failedInsert())).toBe(true);
    expect(isQueryError(new Error('x'))).toBe(false);
    expect(failedInsert().message).toContain(PROMPT); // what drizzle does, and why this module exists
  });

  it('keeps the statement\'s shape and drops the values from the message and the stack', () => {
    const err = failedInsert();
    expect(safeErrorMessage(err)).toBe(`Failed query: ${INSERT}\nparams: [not logged]`);
    const logged = loggableError(err);
    expect(JSON.stringify(logged)).not.toContain(PROMPT);
    expect(logged).toMatchObject({
      name: 'Error',
      message: `Failed query: ${INSERT}\nparams: [not logged]`,
      query: INSERT,
      rowId: ID,
      cause: { message: 'duplicate key value violates unique constraint "generations_pkey"', code: '23505' },
    });
    expect(logged.stack).toMatch(/params: \[not logged\]\n\s+at /);
  });

  it('finds the row id of an update, a delete, or an insert, and nothing that is not an id', () => {
    expect(rowIdOf('update "training_runs" set "notes" = $1 where "training_runs"."id" = $2', ['secret notes', ID])).toBe(ID);
    expect(rowIdOf('delete from "characters" where "characters"."id" = $1', [ID])).toBe(ID);
    expect(rowIdOf(INSERT, [ID, PROMPT])).toBe(ID);
    expect(rowIdOf('update "x" set "a" = $1 where "x"."id" = $1', [PROMPT])).toBeUndefined();
    expect(rowIdOf('select 1', [])).toBeUndefined();
  });

  it('cleans text that merely contains such a message (a reason, String(err)), in a message or a stack', () => {
    expect(withoutQueryParams(`Could not save: Failed query: ${INSERT}\nparams: ${ID},${PROMPT}`)).toBe(
      `Could not save: Failed query: ${INSERT}\nparams: [not logged]`,
    );
    const stack = `Error: Failed query: ${INSERT}\nparams: ${PROMPT}\n    at save (file.ts:1:2)\n    at run (file.ts:3:4)`;
    expect(withoutQueryParams(stack)).toBe(`Error: Failed query: ${INSERT}\nparams: [not logged]\n    at save (file.ts:1:2)\n    at run (file.ts:3:4)`);
    expect(safeErrorMessage(`oops: ${String(failedInsert())}`)).not.toContain(PROMPT);
    expect(withoutQueryParams('an ordinary message')).toBe('an ordinary message');
  });

  it('makes a copy fit to leave the process: same name, code and causes, no values', () => {
    const wrapped = new TypeError('while saving', { cause: failedInsert() });
    const copy = sanitizedError(wrapped);
    expect(copy).toBeInstanceOf(Error);
    expect(copy.name).toBe('TypeError');
    expect(copy.message).toBe('while saving');
    const cause = copy.cause as Error & { code?: string; rowId?: string; cause?: Error & { code?: string } };
    expect(cause.message).toBe(`Failed query: ${INSERT}\nparams: [not logged]`);
    expect(cause.rowId).toBe(ID);
    expect(cause.cause?.code).toBe('23505');
    expect(`${copy.stack}${cause.stack}`).not.toContain(PROMPT);
    expect(sanitizedError('a string was thrown').message).toBe('a string was thrown');
  });
});
