import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { safeErrorMessage, sanitizedError } from '../../lib/logger/errors';

/** Node and postgres.js error codes of a connection that failed or dropped: worth trying again. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EBUSY',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
]);

/**
 * PostgreSQL SQLSTATEs that pass by themselves: connection exceptions (08), insufficient resources (53), operator
 * intervention such as a server restart (57), a serialization failure or deadlock (40001, 40P01), a lock not free.
 */
function transientSqlState(code: string): boolean {
  return /^(08|53|57)/.test(code) || code === '40001' || code === '40P01' || code === '55P03';
}

/** The error and its causes (drizzle wraps a driver's error as the cause of its own). */
function chain(err: unknown): Array<Error & { code?: unknown }> {
  const out: Array<Error & { code?: unknown }> = [];
  for (let e: unknown = err; e instanceof Error && out.length < 8; e = e.cause) out.push(e);
  return out;
}

/** A failure that may heal by itself: the database or the network away for a while. */
export function isTransient(err: unknown): boolean {
  return chain(err).some((e) => {
    const code = typeof e.code === 'string' ? e.code : '';
    return TRANSIENT_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && transientSqlState(code)) || /did not answer within/.test(e.message);
  });
}

/**
 * What a deterministic failure is, in plain words, and its type for the job's error code. The reason is shown to
 * the user and logged: messages go through safeErrorMessage, so a failed query never brings its parameter values
 * (the user's prompt, notes) along.
 */
function explain(err: unknown): { type: string; message: string } {
  const errors = chain(err);
  const root = errors.at(-1);
  const rootMessage = root ? safeErrorMessage(root) : '';
  const code = errors.map((e) => (typeof e.code === 'string' ? e.code : '')).find(Boolean) ?? '';
  if (code === 'ENOENT') return { type: 'FileMissing', message: `A file this job needs is missing: ${rootMessage}` };
  if (code === 'ENOSPC') return { type: 'DiskFull', message: 'The disk is full: free some space, then start the job again.' };
  if (/^23/.test(code)) return { type: 'RecordRefused', message: `The database refused this job's record: ${rootMessage}` };
  if (root && root.name !== 'Error' && !(root instanceof TypeError || root instanceof ReferenceError || root instanceof RangeError || root instanceof SyntaxError)) {
    return { type: root.name, message: rootMessage };
  }
  return {
    type: 'InternalError',
    message: `An internal error ended this job (${root ? `${root.name}: ${rootMessage}` : safeErrorMessage(err)}). It is in the worker's log; please report it.`,
  };
}

/**
 * What a control activity throws, so that every job ends: its own ApplicationFailures and cancellations as they
 * are; a transient failure retried (for up to a day); anything else — a damaged file, a missing file, a record the
 * database refuses, a bug — as a non-retryable failure with a type and a reason in plain words, which ends the job
 * at once instead of retrying it for ever. Whatever leaves here goes into the workflow's history, its UI and the
 * job's reason: errors are passed on as sanitizedError copies, without a failed query's parameter values.
 */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (isTransient(err)) {
    // What the SDK would make of the error itself (type: its class), with the message and causes made safe.
    const error = err as Error;
    const failure = ApplicationFailure.create({
      type: error.constructor?.name ?? error.name,
      message: safeErrorMessage(error),
      nonRetryable: false,
      cause: error.cause === undefined ? undefined : sanitizedError(error.cause),
    });
    failure.stack = sanitizedError(error).stack ?? '';
    return failure;
  }
  const { type, message } = explain(err);
  return ApplicationFailure.create({ type, message, nonRetryable: true, cause: sanitizedError(err) });
}
