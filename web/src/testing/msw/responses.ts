import { HttpResponse } from 'msw';
import type { z } from 'zod';
import type { ApiErrorBody, FieldProblem } from '../../../../lib/contracts/errors';

export function apiError(status: number, body: ApiErrorBody['error']) {
  return HttpResponse.json<ApiErrorBody>({ error: body }, { status });
}

/** The same 400 the API sends: one detail per problem, field paths joined with dots. */
export function validationFailed(issues: z.core.$ZodIssue[]) {
  const details: FieldProblem[] = issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : 'request body',
    message: issue.message,
  }));
  return apiError(400, {
    code: 'validation_failed',
    message: `Invalid request body: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
    details,
  });
}

export const notFound = (what: string) => apiError(404, { code: 'not_found', message: `${what} was not found` });
