import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger/logger';
import { isTransient, StoreUnavailableError, withRetries } from './retry';

function capture() {
  const events: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) events.push((JSON.parse(line) as { event: string }).event);
      done();
    },
  });
  return { logger: createLogger({ service: 'worker', level: 'DEBUG', stream }), events };
}

const sdkError = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const what = { store: 'STORAGE_URL s3://host/bucket', operation: 'pull', key: 'loras/a.safetensors' };
const policy = { retryForMs: 60_000, initialDelayMs: 1, maxDelayMs: 4 };

describe('isTransient', () => {
  it('waits out connection errors, 5xx, SlowDown and throttling; not refusals or missing keys', () => {
    expect(isTransient(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(new Error('socket hang up'))).toBe(true);
    expect(isTransient(sdkError('SlowDown', 503))).toBe(true);
    expect(isTransient(sdkError('InternalError', 500))).toBe(true);
    expect(isTransient(sdkError('Unknown', 502))).toBe(true);
    expect(isTransient(sdkError('TooManyRequestsException', 429))).toBe(true);
    expect(isTransient(new Error('wrapped', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe(true);
    expect(isTransient(sdkError('NoSuchKey', 404))).toBe(false);
    expect(isTransient(sdkError('AccessDenied', 403))).toBe(false);
    expect(isTransient(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }))).toBe(false);
  });
});

describe('withRetries', () => {
  it('retries a store that fails for a while, and says so once when it waits and once when it is back', async () => {
    const { logger, events } = capture();
    let calls = 0;
    const result = await withRetries(what, policy, logger, undefined, async () => {
      if (++calls < 5) throw sdkError('SlowDown', 503);
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(5);
    expect(events).toEqual(['store.waiting', 'store.recovered']);
  });

  it('passes other failures through at once', async () => {
    const { logger, events } = capture();
    let calls = 0;
    await expect(withRetries(what, policy, logger, undefined, async () => {
      calls++;
      throw sdkError('NoSuchKey', 404);
    })).rejects.toThrow('NoSuchKey');
    expect(calls).toBe(1);
    expect(events).toEqual([]);
  });

  it('gives up after its window, naming the store and the call', async () => {
    const { logger, events } = capture();
    const failing = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    const call = withRetries(what, { ...policy, retryForMs: 20 }, logger, undefined, failing);
    await expect(call).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(call).rejects.toThrow(/^The artifact store \(STORAGE_URL s3:\/\/host\/bucket\) did not answer for 1 s \(pull loras\/a\.safetensors\): connect ECONNREFUSED/);
    expect(events).toEqual(['store.waiting', 'store.unreachable']);
  });

  it('ends at once when its signal aborts, with the signal\'s reason', async () => {
    const { logger } = capture();
    const controller = new AbortController();
    let calls = 0;
    const call = withRetries(what, { ...policy, initialDelayMs: 30_000, maxDelayMs: 30_000 }, logger, controller.signal, async () => {
      calls++;
      throw sdkError('ServiceUnavailable', 503);
    });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('job cancelled'));
    await expect(call).rejects.toThrow('job cancelled');
    expect(calls).toBe(1);
  });
});
