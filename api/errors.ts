import type { z } from 'zod';
import type { ErrorCode, FieldProblem } from '../lib/contracts/errors';

/** An error that becomes `{error: {code, message, details?}}` with its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} was not found`);

/** One readable line per problem, e.g. "name: Name cannot be empty". */
export function validationError(error: z.ZodError, where = 'request body'): HttpError {
  const details: FieldProblem[] = error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : where,
    message: issue.message,
  }));
  const summary = details.map((d) => (d.field === where ? d.message : `${d.field}: ${d.message}`)).join('; ');
  return new HttpError(400, 'validation_failed', `Invalid ${where}: ${summary}`, details);
}

/** Parses with a zod schema or throws the 400 that explains every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}
