import { z } from 'zod';
import { fieldProblemSchema } from '../../../lib/contracts/errors';
import { ApiError } from './api-client';

export interface FormErrors<F extends string> {
  fields: Partial<Record<F, string>>;
  /** What cannot be shown next to one field. */
  form?: string;
}

const problemsSchema = z.array(fieldProblemSchema);

/**
 * Spreads an API error over a form: each field problem in its details (a `validation_failed`, or a refusal about one
 * field such as a wrong password) goes to its field, a 409 conflict goes to `conflictField` (a name that is already
 * taken), everything else becomes one form-level message.
 */
export function toFormErrors<F extends string>(
  error: unknown,
  fields: readonly F[],
  conflictField?: F,
): FormErrors<F> {
  if (!(error instanceof ApiError)) {
    return { fields: {}, form: error instanceof Error ? error.message : 'Something went wrong. Try again.' };
  }
  if (error.code === 'conflict' && conflictField) return { fields: { [conflictField]: error.message } as Partial<Record<F, string>> };
  const problems = problemsSchema.safeParse(error.details);
  if (!problems.success) return { fields: {}, form: error.message };

  const result: FormErrors<F> = { fields: {} };
  const leftOver: string[] = [];
  for (const problem of problems.data) {
    const field = fields.find((f) => f === problem.field);
    if (field && !result.fields[field]) result.fields[field] = problem.message;
    else if (!field) leftOver.push(problem.message);
  }
  if (leftOver.length > 0) result.form = leftOver.join(' ');
  return result;
}

/**
 * Checks what a form is about to send against the shared contract: null when the API would accept it, else the same
 * problems the API would answer with, spread over the form like its answer would be. A form shows these instead of
 * sending a request that is sure to fail (an empty name, an empty password).
 */
export function contractErrors<F extends string>(schema: z.ZodType, body: unknown, fields: readonly F[]): FormErrors<F> | null {
  const result = schema.safeParse(body);
  if (result.success) return null;
  const details = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : 'request body',
    message: issue.message,
  }));
  return toFormErrors(new ApiError(400, 'validation_failed', details.map((d) => d.message).join(' '), details), fields);
}
