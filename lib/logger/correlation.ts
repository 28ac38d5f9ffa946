import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const CORRELATION_HEADER = 'X-Correlation-ID';

const storage = new AsyncLocalStorage<string>();

/** Accepts ids a client may send: 1–128 characters of letters, digits and `._:-`. */
export function isValidCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(value);
}

export function newCorrelationId(): string {
  return randomUUID();
}

/** Runs `fn` with `id` as the correlation id of everything it logs, however deep the async calls go. */
export function withCorrelationId<T>(id: string, fn: () => T): T {
  return storage.run(id, fn);
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}
