import { z } from 'zod';

/** Machine-readable error codes of `{error: {code, message, details?}}` bodies. */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'unavailable',
  'disk_full',
  /** The request would do something the user should confirm first (e.g. training on few photos): send it again confirmed. */
  'confirmation_required',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const apiErrorSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

/** One problem with one field of a request, in `details` of a `validation_failed` error or of a refusal about one field (a wrong password). */
export const fieldProblemSchema = z.object({ field: z.string(), message: z.string() });
export type FieldProblem = z.infer<typeof fieldProblemSchema>;
