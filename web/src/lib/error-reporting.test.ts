import { waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { db } from '../testing/msw/db';
import { server } from '../testing/msw/server';
import { createErrorReporter, installGlobalErrorHandlers, reportClientError, type ClientLogEntry } from './error-reporting';

describe('createErrorReporter', () => {
  it('sends at most maxPerMinute reports in any minute', () => {
    let now = 0;
    const sent: ClientLogEntry[] = [];
    const report = createErrorReporter({
      maxPerMinute: 3,
      now: () => now,
      send: async (entry) => {
        sent.push(entry);
      },
    });

    for (let i = 0; i < 10; i++) report({ level: 'error', message: `boom ${i}` });
    expect(sent.map((e) => e.message)).toEqual(['boom 0', 'boom 1', 'boom 2']);

    now = 61_000;
    report({ level: 'error', message: 'later' });
    expect(sent.at(-1)?.message).toBe('later');
  });

  it('never throws, whether sending rejects or throws', () => {
    const rejecting = createErrorReporter({ send: () => Promise.reject(new Error('offline')) });
    const throwing = createErrorReporter({
      send: () => {
        throw new Error('broken');
      },
    });
    expect(() => rejecting({ level: 'error', message: 'x' })).not.toThrow();
    expect(() => throwing({ level: 'error', message: 'x' })).not.toThrow();
  });

  it('clips fields to what the API accepts', () => {
    const sent: ClientLogEntry[] = [];
    const report = createErrorReporter({ send: async (entry) => void sent.push(entry) });
    report({ level: 'error', message: 'x'.repeat(10_000), stack: 'y'.repeat(20_000) });
    expect(sent[0]?.message).toHaveLength(4000);
    expect(sent[0]?.stack).toHaveLength(8000);
  });
});

describe('reportClientError', () => {
  it('posts to /api/client-logs with a correlation id', async () => {
    reportClientError({ level: 'error', event: 'client.error', message: 'Something broke' });

    await waitFor(() => expect(db.clientLogs).toHaveLength(1));
    expect(db.clientLogs[0]).toMatchObject({ level: 'error', event: 'client.error', message: 'Something broke' });
    expect(db.correlationIds[0]).toBeTruthy();
  });

  it('stays quiet when the API refuses the report', async () => {
    server.use(http.post('/api/client-logs', () => HttpResponse.json({}, { status: 500 })));
    expect(() => reportClientError({ level: 'error', message: 'x' })).not.toThrow();
  });
});

describe('installGlobalErrorHandlers', () => {
  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  it('reports uncaught errors and unhandled rejections', () => {
    const sent: ClientLogEntry[] = [];
    uninstall = installGlobalErrorHandlers((entry) => void sent.push(entry));

    window.dispatchEvent(new ErrorEvent('error', { error: new TypeError('x is undefined'), message: 'x is undefined' }));
    const rejection = new Event('unhandledrejection') as PromiseRejectionEvent;
    Object.assign(rejection, { reason: new Error('fetch failed') });
    window.dispatchEvent(rejection);

    expect(sent).toEqual([
      expect.objectContaining({ event: 'client.error', message: 'TypeError: x is undefined' }),
      expect.objectContaining({ event: 'client.unhandled_rejection', message: 'Error: fetch failed' }),
    ]);
  });
});
