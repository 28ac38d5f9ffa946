import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { HttpError } from './errors';
import { principalOf } from './principal';

/**
 * The `Idempotency-Key` a client sent with a job start (1–200 visible ASCII characters), bound to who sent it and
 * hashed, as stored on the job: a retried request with the same key answers the first job instead of starting
 * another. Undefined without the header.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.get('idempotency-key');
  if (raw === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(raw)) {
    throw new HttpError(400, 'validation_failed', 'The Idempotency-Key header must be 1 to 200 visible ASCII characters');
  }
  return createHash('sha256').update(`${principalOf(req)}\n${raw}`).digest('hex');
}

/**
 * Starts a job at most once per idempotency key: answers the job an earlier request with the same key started (also
 * when both arrive at once and the database refuses the second insert), else what `create` makes.
 */
export async function onceFor<T>(
  key: string | undefined,
  earlier: (key: string) => Promise<T | undefined>,
  create: (key: string | undefined) => Promise<T>,
): Promise<{ job: T; repeated: boolean }> {
  if (key) {
    const found = await earlier(key);
    if (found) return { job: found, repeated: true };
  }
  try {
    return { job: await create(key), repeated: false };
  } catch (err) {
    const found = key ? await earlier(key) : undefined;
    if (found) return { job: found, repeated: true };
    throw err;
  }
}
