import type { Logger } from '../logger/logger';

/** A failure that waiting will not cure: wrong credentials, a missing bucket, a refused request. */
export class StoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConfigError';
  }
}

/** A call that waited out its whole retry window (STORAGE_RETRY_SECONDS) and the store still failed. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface RetryPolicy {
  /** How long one call keeps retrying before it gives up (STORAGE_RETRY_SECONDS). */
  retryForMs: number;
  /** First pause between tries; it doubles up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Omit<RetryPolicy, 'retryForMs'> = { initialDelayMs: 250, maxDelayMs: 5_000 };

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN',
  'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);
const TRANSIENT_NAMES = new Set([
  'SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError', 'Throttling',
  'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'OperationAborted',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

/** Whether an S3 call's failure is the store being down, overloaded or unreachable (worth waiting out). */
export function isTransient(err: unknown): boolean {
  for (let e = err as SdkLikeError | undefined, depth = 0; e && depth < 5; e = e.cause as SdkLikeError | undefined, depth++) {
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined && (status >= 500 || status === 429)) return true;
    if (e.code && TRANSIENT_CODES.has(e.code)) return true;
    if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
    if (e.$retryable) return true;
    // A connection that died mid-response: Node's own words for it.
    if (status === undefined && /socket hang up|ECONNRESET|ECONNREFUSED|other side closed|premature close|aborted/i.test(e.message ?? '') && e.name !== 'AbortError') {
      return true;
    }
  }
  return false;
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs one store call, waiting out outages (connection errors, 5xx, SlowDown) with growing pauses for at most
 * `policy.retryForMs`; any other failure, and an abort, end it at once. A call that has to wait says so once
 * (`store.waiting`), and once more when the store answers again (`store.recovered`) or it gives up.
 */
export async function withRetries<T>(
  what: { store: string; operation: string; key: string },
  policy: RetryPolicy,
  logger: Logger,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let delay = policy.initialDelayMs;
  let waiting = false;
  const recovered = () =>
    logger.info('store.recovered', `The artifact store answers again (${what.operation} ${what.key})`, { ...what, waitedMs: Date.now() - started });
  for (;;) {
    if (signal?.aborted) throw abortError(signal);
    try {
      const result = await attempt();
      if (waiting) recovered();
      return result;
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      const waited = Date.now() - started;
      if (!isTransient(err)) {
        // It answered, if only with a "no such key": the outage is over for this call.
        if (waiting) recovered();
        throw err;
      }
      if (waited + delay > policy.retryForMs) {
        const seconds = Math.max(1, Math.round(waited / 1000));
        const cause = err instanceof Error ? err.message : String(err);
        logger.error('store.unreachable', `Gave up on ${what.operation} ${what.key}: the artifact store failed for ${seconds} s`, {
          ...what,
          waitedMs: waited,
          error: err,
        });
        throw new StoreUnavailableError(`The artifact store (${what.store}) did not answer for ${seconds} s (${what.operation} ${what.key}): ${cause}`, { cause: err });
      }
      if (!waiting) {
        waiting = true;
        logger.warn('store.waiting', `The artifact store is unreachable or failing; ${what.operation} ${what.key} waits for it (up to ${Math.round(policy.retryForMs / 1000)} s)`, {
          ...what,
          error: err,
        });
      }
      await pause(delay, signal);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
