import { waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionSchema } from '../../../lib/contracts/auth';
import { db } from '../testing/msw/db';
import { server } from '../testing/msw/server';
import { ApiError, apiRequest } from './api-client';
import {
  createErrorReporter,
  followSession,
  installGlobalErrorHandlers,
  reportBody,
  reportClientError,
  reportRenderError,
  type ClientLogEntry,
} from './error-reporting';
import { createQueryClient, queryKeyRoots } from './query-client';

// What the auth feature asks (features/auth/api/session.ts; main.tsx passes its key): shared code cannot import it.
const sessionKey = [queryKeyRoots.auth, 'session'] as const;
const getSession = () => apiRequest('/auth/session', sessionSchema);

function collecting(options: Partial<Parameters<typeof createErrorReporter>[0]> = {}) {
  const sent: ClientLogEntry[] = [];
  const report = createErrorReporter({ send: async (entry) => void sent.push(entry), ...options });
  return { sent, report };
}

describe('createErrorReporter', () => {
  it('sends at most maxPerMinute reports in any minute', () => {
    let now = 0;
    const { sent, report } = collecting({ maxPerMinute: 3, now: () => now });

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

  it('sends only the small fields, clipped to what the API accepts', () => {
    const { sent, report } = collecting();
    const entry = { level: 'error', message: 'x'.repeat(10_000), stack: 'y'.repeat(20_000), route: `/${'z'.repeat(900)}`, context: { big: 'w'.repeat(100_000) } };
    report(entry as ClientLogEntry);
    expect(sent[0]?.message).toHaveLength(1000);
    expect(sent[0]?.stack).toHaveLength(4000);
    expect(sent[0]?.route).toHaveLength(500);
    expect(Object.keys(sent[0]!).sort()).toEqual(['level', 'message', 'route', 'stack']);
    expect(JSON.stringify(sent[0]).length).toBeLessThan(6_000);
  });

  it('reports the page path, never its query or fragment', () => {
    window.history.replaceState(null, '', '/characters/abc?token=secret#x');
    expect(reportBody({ level: 'error', message: 'x' })).toEqual({ level: 'error', message: 'x', route: '/characters/abc' });
    window.history.replaceState(null, '', '/');
  });

  it('keeps a few reports while held, sends them when the gate opens, and drops the rest', () => {
    const { sent, report } = collecting({ gate: 'held', maxHeld: 3 });
    for (let i = 0; i < 8; i++) report({ level: 'error', message: `early ${i}` });
    expect(sent).toEqual([]);
    expect(report.held().map((e) => e.message)).toEqual(['early 0', 'early 1', 'early 2']);

    report.setGate('open');
    expect(sent.map((e) => e.message)).toEqual(['early 0', 'early 1', 'early 2']);
    expect(report.held()).toEqual([]);
    report({ level: 'error', message: 'now' });
    expect(sent.at(-1)?.message).toBe('now');
  });

  it('holds a report the API refused for want of a login, and sends it after the login', async () => {
    const sent: ClientLogEntry[] = [];
    let loggedIn = false;
    const report = createErrorReporter({
      send: async (entry) => {
        if (!loggedIn) throw new ApiError(401, 'unauthorized', 'Log in first');
        sent.push(entry);
      },
    });
    report({ level: 'error', message: 'while the session had ended' });
    await waitFor(() => expect(report.gate).toBe('held'));
    expect(report.held().map((e) => e.message)).toEqual(['while the session had ended']);

    loggedIn = true;
    report.setGate('open');
    await waitFor(() => expect(sent.map((e) => e.message)).toEqual(['while the session had ended']));
  });
});

describe('followSession', () => {
  afterEach(() => reportClientError.setGate('open'));

  it('holds reports while the login page shows and sends them after the login', async () => {
    db.auth = { required: true, password: 'correct horse battery', setupCode: null, loggedIn: false };
    const queryClient = createQueryClient();
    const stop = followSession(queryClient, sessionKey);
    try {
      // Before the session is known, and while nobody is logged in: nothing goes to the API.
      reportClientError({ level: 'error', event: 'client.error', message: 'before the session is known' });
      expect(reportClientError.gate).toBe('held');
      await queryClient.fetchQuery({ queryKey: sessionKey, queryFn: () => getSession() });
      reportClientError({ level: 'error', event: 'client.error', message: 'on the login page' });
      expect(reportClientError.gate).toBe('held');
      expect(db.clientLogs).toEqual([]);

      // The login: the session query is asked again and says authenticated.
      db.auth.loggedIn = true;
      await queryClient.invalidateQueries({ queryKey: sessionKey });
      await queryClient.fetchQuery({ queryKey: sessionKey, queryFn: () => getSession() });
      await waitFor(() => expect(db.clientLogs.map((e) => e.message)).toEqual(['before the session is known', 'on the login page']));
      expect(reportClientError.gate).toBe('open');
    } finally {
      stop();
    }
  });

  it('sends at once on an instance without a login', async () => {
    const queryClient = createQueryClient();
    const stop = followSession(queryClient, sessionKey);
    try {
      await queryClient.fetchQuery({ queryKey: sessionKey, queryFn: () => getSession() });
      expect(reportClientError.gate).toBe('open');
    } finally {
      stop();
    }
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

  it('sends a render error with its component stack inside the stack field', async () => {
    reportRenderError(new TypeError('x is undefined'), '\n    at CharacterCard\n    at Page');
    await waitFor(() => expect(db.clientLogs).toHaveLength(1));
    expect(db.clientLogs[0]).toMatchObject({ event: 'client.render_error', message: 'TypeError: x is undefined' });
    expect(db.clientLogs[0]!.stack).toContain('Component stack:\n    at CharacterCard');
    expect(Object.keys(db.clientLogs[0]!)).not.toContain('context');
  });
});

describe('installGlobalErrorHandlers', () => {
  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  it('reports uncaught errors and unhandled rejections', () => {
    const sent: ClientLogEntry[] = [];
    uninstall = installGlobalErrorHandlers((entry) => void sent.push(entry));

    window.dispatchEvent(new ErrorEvent('error', { error: new TypeError('x is undefined'), message: 'x is undefined' }));
    window.dispatchEvent(new ErrorEvent('error', { message: 'Script error', filename: 'https://x/app.js', lineno: 3, colno: 7 }));
    const rejection = new Event('unhandledrejection') as PromiseRejectionEvent;
    Object.assign(rejection, { reason: new Error('fetch failed') });
    window.dispatchEvent(rejection);

    expect(sent).toEqual([
      expect.objectContaining({ event: 'client.error', message: 'TypeError: x is undefined' }),
      { level: 'error', event: 'client.error', message: 'Script error', stack: 'at https://x/app.js:3:7' },
      expect.objectContaining({ event: 'client.unhandled_rejection', message: 'Error: fetch failed' }),
    ]);
  });
});
