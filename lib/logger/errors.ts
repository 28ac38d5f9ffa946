/**
 * Errors as they may be logged, shown or stored: a failed database query never carries its parameter values (a
 * user's prompt, notes, a session's CSRF token) out of the process. drizzle puts them into the message of the error
 * it throws (`Failed query: <sql>\nparams: <values>`), and so into its stack; what remains is the statement's shape
 * (the SQL, whose values are placeholders `$1, $2, …`) and the id of the row it was about.
 */

const PARAMS_NOT_LOGGED = 'params: [not logged]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An error of a failed query as drizzle throws it (`DrizzleQueryError`): the SQL and its parameter values. (A driver's
 * own error may carry `query` and `params` too, PGlite's does, but keeps them out of its message; only the
 * properties this module copies are ever logged.)
 */
export interface QueryError extends Error {
  query: string;
  params: unknown[];
}

export function isQueryError(err: unknown): err is QueryError {
  return (
    err instanceof Error &&
    err.message.startsWith('Failed query: ') &&
    typeof (err as Partial<QueryError>).query === 'string' &&
    Array.isArray((err as Partial<QueryError>).params)
  );
}

/**
 * Removes the parameter values from any text that holds a failed query's message (an error's message or stack, a
 * reason built from one). In a stack the values end where the frames (`\n    at …`) begin.
 */
export function withoutQueryParams(text: string): string {
  if (!text.includes('Failed query: ')) return text;
  return text.replace(/(Failed query: [\s\S]*?)\nparams: [\s\S]*?(?=\n\s+at |$)/g, `$1\n${PARAMS_NOT_LOGGED}`);
}

/** The id of the row a statement was about, when it names one (`"id" = $n`, or the `id` column of an insert). */
export function rowIdOf(query: string, params: readonly unknown[]): string | undefined {
  let position: number | undefined;
  const where = /"id"\s*=\s*\$(\d+)/.exec(query);
  if (where) position = Number(where[1]);
  else {
    const insert = /^\s*insert\s+into\s+[^(]+\(([^)]*)\)\s*values\s*\(([^)]*)\)/i.exec(query);
    if (insert) {
      const columns = insert[1]!.split(',').map((c) => c.trim().replaceAll('"', ''));
      const values = insert[2]!.split(',').map((v) => v.trim());
      const placeholder = /^\$(\d+)$/.exec(values[columns.indexOf('id')] ?? '');
      if (placeholder) position = Number(placeholder[1]);
    }
  }
  const value = position === undefined ? undefined : params[position - 1];
  // Only an id-shaped value: whatever else might sit there is not logged.
  return typeof value === 'string' && UUID.test(value) ? value : undefined;
}

function ownMessage(err: Error): string {
  return isQueryError(err) ? `Failed query: ${err.query}\n${PARAMS_NOT_LOGGED}` : withoutQueryParams(err.message);
}

function ownStack(err: Error, message: string): string | undefined {
  if (!err.stack) return undefined;
  const stack = err.message && err.message !== message ? err.stack.replace(err.message, () => message) : err.stack;
  return withoutQueryParams(stack);
}

/** The message of an error (or of anything thrown), without query parameter values: what a log line or a job's reason may say. */
export function safeErrorMessage(err: unknown): string {
  if (err instanceof Error) return ownMessage(err);
  return withoutQueryParams(typeof err === 'string' ? err : String(err));
}

/** A JSON-friendly form of an error for a log line: name, message, stack, code, the query's shape and row id, causes. */
export function loggableError(err: Error, depth = 0): Record<string, unknown> {
  const message = ownMessage(err);
  const out: Record<string, unknown> = { name: err.name, message };
  const stack = ownStack(err, message);
  if (stack) out.stack = stack;
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (isQueryError(err)) {
    out.query = err.query;
    const rowId = rowIdOf(err.query, err.params);
    if (rowId) out.rowId = rowId;
  }
  if (err.cause !== undefined && depth < 3) {
    out.cause = err.cause instanceof Error ? loggableError(err.cause, depth + 1) : safeErrorMessage(err.cause);
  }
  return out;
}

/**
 * A copy of an error that may leave the process (a Temporal failure's cause, stored in the workflow's history and
 * shown in its UI): same name, code and stack frames, causes copied alike, without query parameter values.
 */
export function sanitizedError(err: unknown, depth = 0): Error {
  if (!(err instanceof Error)) return new Error(safeErrorMessage(err));
  const message = ownMessage(err);
  const cause = err.cause !== undefined && depth < 5 ? sanitizedError(err.cause, depth + 1) : undefined;
  const copy = new Error(message, cause ? { cause } : undefined);
  copy.name = err.name;
  const stack = ownStack(err, message);
  if (stack) copy.stack = stack;
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) (copy as Error & { code?: unknown }).code = code;
  if (isQueryError(err)) {
    const rowId = rowIdOf(err.query, err.params);
    Object.assign(copy, { query: err.query }, rowId ? { rowId } : {});
  }
  return copy;
}
