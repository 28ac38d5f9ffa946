import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import { logFilePath } from '../../lib/logger/logger';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';

interface SessionInfo {
  authRequired: boolean;
  authenticated: boolean;
  csrfToken: string | null;
  setupRequired: boolean;
}

function cookieOf(headers: Headers): string {
  const set = headers.get('set-cookie') ?? '';
  expect(set).toMatch(/isengard_session=[^;]+; Max-Age=\d+; Path=\/; Expires=.*; HttpOnly; SameSite=Strict/);
  return set.split(';')[0]!;
}

describe('login when the instance is reachable from elsewhere (AUTH=on)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { AUTH: 'on' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses data and files without a login, but answers a bare health check', async () => {
    for (const path of ['/api/characters', '/api/generations', '/api/auth/tokens', '/api/photos/00000000-0000-4000-8000-000000000000/file', '/api/outputs/00000000-0000-4000-8000-000000000000']) {
      const res = await request<ApiErrorBody>(stack, path);
      expect(res.status, path).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    const create = await request(stack, '/api/characters', { method: 'POST', body: { name: 'Intruder' } });
    expect(create.status).toBe(401);
    const health = await request<Record<string, unknown>>(stack, '/api/health');
    expect(Object.keys(health.body)).toEqual(['status']);
  });

  it('first visit: the setup code from the log chooses the password and opens a session', async () => {
    const session = (await request<SessionInfo>(stack, '/api/auth/session')).body;
    expect(session).toMatchObject({ authRequired: true, authenticated: false, setupRequired: true });
    const log = readFileSync(logFilePath(stack.config.log.dir, 'api'), 'utf8');
    const code = /setup code ([0-9a-f]{12})/.exec(log)?.[1];
    expect(code).toBeDefined();

    const wrong = await request<ApiErrorBody>(stack, '/api/auth/setup', { method: 'POST', body: { setupCode: 'nope', password: 'a long enough one' } });
    expect(wrong.status).toBe(403);
    const short = await request<ApiErrorBody>(stack, '/api/auth/setup', { method: 'POST', body: { setupCode: code, password: 'short' } });
    expect(short.body.error.message).toBe('Invalid request body: password: Choose a password of at least 10 characters');
    const ok = await request<SessionInfo>(stack, '/api/auth/setup', { method: 'POST', body: { setupCode: code, password: 'correct horse battery' } });
    expect(ok.status).toBe(200);
    const cookie = cookieOf(ok.headers);
    const csrf = ok.body.csrfToken!;

    // The session works for reads; changes need the CSRF token too.
    expect((await request(stack, '/api/characters', { headers: { cookie } })).status).toBe(200);
    const noCsrf = await request<ApiErrorBody>(stack, '/api/characters', { method: 'POST', headers: { cookie }, body: { name: 'Subject' } });
    expect(noCsrf.status).toBe(403);
    const withCsrf = await request(stack, '/api/characters', { method: 'POST', headers: { cookie, 'X-CSRF-Token': csrf }, body: { name: 'Subject' } });
    expect(withCsrf.status).toBe(201);
    expect((await request<SessionInfo>(stack, '/api/auth/session', { headers: { cookie } })).body).toMatchObject({ authenticated: true, csrfToken: csrf, setupRequired: false });
    expect(Object.keys((await request<Record<string, unknown>>(stack, '/api/health', { headers: { cookie } })).body)).toContain('checks');

    // The setup code works once.
    expect((await request(stack, '/api/auth/setup', { method: 'POST', body: { setupCode: code, password: 'another long one' } })).status).toBe(409);

    // Logging out ends the session.
    expect((await request(stack, '/api/auth/logout', { method: 'POST', headers: { cookie } })).status).toBe(204);
    expect((await request(stack, '/api/characters', { headers: { cookie } })).status).toBe(401);
  });

  it('logs in with the password, and slows down guessing', async () => {
    const good = await request<SessionInfo>(stack, '/api/auth/login', { method: 'POST', body: { password: 'correct horse battery' } });
    expect(good.status).toBe(200);
    cookieOf(good.headers);
    for (let i = 0; i < 6; i++) {
      const wrong = await request<ApiErrorBody>(stack, '/api/auth/login', { method: 'POST', body: { password: `guess ${i}` } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.message).toBe('Wrong password');
    }
    const locked = await request<ApiErrorBody>(stack, '/api/auth/login', { method: 'POST', body: { password: 'correct horse battery' } });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('1');
    expect(locked.body.error.message).toBe('Too many wrong attempts: try again in 1 s');
  });

  it('API tokens: created once, used as Bearer without a CSRF token, listed without the secret, revoked', async () => {
    // The previous test locked this address for a second: log in once that is over (a refused try does not count).
    const session = await eventually(
      async () => {
        const login = await request<SessionInfo>(stack, '/api/auth/login', { method: 'POST', body: { password: 'correct horse battery' } });
        if (login.status === 429) return undefined;
        expect(login.status).toBe(200);
        return login;
      },
      10_000,
      'the login lock to end',
      100,
    );
    const cookie = cookieOf(session.headers);
    const headers = { cookie, 'X-CSRF-Token': session.body.csrfToken! };
    const created = await request<{ id: string; token: string; prefix: string; name: string }>(stack, '/api/auth/tokens', { method: 'POST', headers, body: { name: 'render farm' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^isg_[A-Za-z0-9_-]{43}$/);
    const bearer = { authorization: `Bearer ${created.body.token}` };
    expect((await request(stack, '/api/characters', { method: 'POST', headers: bearer, body: { name: 'Scripted' } })).status).toBe(201);
    const list = await request<{ items: Array<Record<string, unknown>> }>(stack, '/api/auth/tokens', { headers: bearer });
    expect(list.body.items).toEqual([expect.objectContaining({ id: created.body.id, name: 'render farm', prefix: created.body.token.slice(0, 10) })]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await request(stack, `/api/auth/tokens/${created.body.id}`, { method: 'DELETE', headers })).status).toBe(204);
    expect((await request(stack, '/api/characters', { headers: bearer })).status).toBe(401);
  });
});

describe('an admin password from the environment', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { AUTH: 'on', ISENGARD_PASSWORD: 'from the environment' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('needs no setup, and is never written to the logs', async () => {
    expect((await request<SessionInfo>(stack, '/api/auth/session')).body.setupRequired).toBe(false);
    expect((await request(stack, '/api/auth/login', { method: 'POST', body: { password: 'from the environment' } })).status).toBe(200);
    for (const service of ['api', 'worker'] as const) {
      expect(readFileSync(logFilePath(stack.config.log.dir, service), 'utf8')).not.toContain('from the environment');
    }
  });
});
