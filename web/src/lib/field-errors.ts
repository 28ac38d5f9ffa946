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
