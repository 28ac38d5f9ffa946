import { z } from 'zod';
import { parseOrThrow } from './errors';

const idSchema = z.uuid({ error: 'must be a UUID such as 3f2b8c1e-5d4a-4f6b-9c7d-2e1a0b9f8c7d' });

/** Validates an `:id` path parameter; a malformed id (or a path-traversal attempt) is a 400, never a lookup. */
export function idParam(value: unknown): string {
  return parseOrThrow(idSchema, value, 'id');
}
