import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiToken, CreatedApiToken } from '../../lib/contracts/auth';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import { logFilePath } from '../../lib/logger/logger';
import { testDatabaseKinds } from '../helpers/databases';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';

interface SessionInfo {
  authRequired: boolean;
  authenticated: boolean;
  csrfToken: string | null;
  setupRequired: boolean;
}

interface LogLine {
  level: string;
  event: string;
  message: string;
  correlation_id: string | null;
  context: Record<string, unknown>;
}

function apiLog(stack: TestStack): { text: string; lines: LogLine[] } {
  const text = readFileSync(logFilePath(stack.config.log.dir, 'api'), 'utf8');
  return { text, lines: text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine) };
}

function setupCodeOf(stack: TestStack): string {
  const code = /setup code ([0-9a-f]{12})/.exec(apiLog(stack).text)?.[1];
  expect(code).toBeDefined();
  return code!;
}

const ALREADY_SET_UP = 'Isengard is already set up: log in with the password chosen then';

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
    const again = await request<ApiErrorBody>(stack, '/api/auth/setup', { method: 'POST', body: { setupCode: code, password: 'another long one' } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(ALREADY_SET_UP);

    // Logging out is a change like any other: another site cannot log the browser out without the page's token.
    const forged = await request<ApiErrorBody>(stack, '/api/auth/logout', { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('forbidden');
    expect((await request(stack, '/api/characters', { headers: { cookie } })).status).toBe(200);
    // With the token it ends the session.
    expect((await request(stack, '/api/auth/logout', { method: 'POST', headers: { cookie, 'X-CSRF-Token': csrf } })).status).toBe(204);
    expect((await request(stack, '/api/characters', { headers: { cookie } })).status).toBe(401);
    // A cookie whose session is over has nothing left to protect: it is simply cleared.
    expect((await request(stack, '/api/auth/logout', { method: 'POST', headers: { cookie } })).status).toBe(204);
  });

  it('logs in with the password, and slows down guessing, whatever X-Forwarded-For a client makes up', async () => {
    const good = await request<SessionInfo>(stack, '/api/auth/login', { method: 'POST', body: { password: 'correct horse battery' } });
    expect(good.status).toBe(200);
    cookieOf(good.headers);
    // No proxy is trusted (TRUST_PROXY unset): a new made-up address on every guess changes nothing.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const wrong = await request<ApiErrorBody>(stack, '/api/auth/login', {
        method: 'POST',
        headers: { 'X-Forwarded-For': `203.0.113.${i + 1}` },
        body: { password: `guess number ${i}` },
      });
      statuses.push(wrong.status);
      expect(wrong.body.error.message).toBe(wrong.status === 401 ? 'Wrong password' : 'Too many wrong attempts: try again in 1 s');
    }
    expect(statuses).toEqual([...Array<number>(6).fill(401), ...Array<number>(6).fill(429)]);
    const locked = await request<ApiErrorBody>(stack, '/api/auth/login', { method: 'POST', body: { password: 'correct horse battery' } });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('1');
    expect(locked.body.error).toEqual({ code: 'rate_limited', message: 'Too many wrong attempts: try again in 1 s', details: { retryAfterSeconds: 1 } });

    // One WARN line per refused attempt (design §8): the real address and the account, never what was typed.
    const log = await eventually(async () => {
      const found = apiLog(stack);
      return found.lines.filter((line) => line.event === 'auth.throttled').length >= 7 ? found : undefined;
    }, 5_000, 'the auth.throttled lines');
    const throttled = log.lines.filter((line) => line.event === 'auth.throttled');
    expect(throttled).toHaveLength(7);
    for (const line of throttled) {
      expect(line.level).toBe('WARN');
      expect(line.correlation_id).toMatch(/\S/);
      expect(line.context).toMatchObject({ ip: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/), account: 'admin', attempt: 'login', retryAfterSeconds: 1 });
    }
    expect(log.text).not.toMatch(/guess number|correct horse battery|203\.0\.113/);
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
    const created = await request<CreatedApiToken>(stack, '/api/auth/tokens', { method: 'POST', headers, body: { name: 'render farm' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^isg_[A-Za-z0-9_-]{43}$/);
    expect(created.body.expiresAt).toBeNull();
    const bearer = { authorization: `Bearer ${created.body.token}` };
    expect((await request(stack, '/api/characters', { method: 'POST', headers: bearer, body: { name: 'Scripted' } })).status).toBe(201);
    // The scheme word in any case (HTTP says it is case-insensitive).
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      expect((await request(stack, '/api/characters', { headers: { authorization: `${scheme} ${created.body.token}` } })).status, scheme).toBe(200);
    }
    const list = await request<{ items: ApiToken[] }>(stack, '/api/auth/tokens', { headers: { cookie } });
    expect(list.body.items).toEqual([expect.objectContaining({ id: created.body.id, name: 'render farm', prefix: created.body.token.slice(0, 10), expiresAt: null })]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await request(stack, `/api/auth/tokens/${created.body.id}`, { method: 'DELETE', headers })).status).toBe(204);
    const revoked = await request<ApiErrorBody>(stack, '/api/characters', { headers: bearer });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toBe('This API token is not valid: it was revoked, or it is mistyped');
  });

  it('API tokens cannot create, list or revoke tokens: only a browser session can', async () => {
    const session = await request<SessionInfo>(stack, '/api/auth/login', { method: 'POST', body: { password: 'correct horse battery' } });
    const headers = { cookie: cookieOf(session.headers), 'X-CSRF-Token': session.body.csrfToken! };
    const created = await request<CreatedApiToken>(stack, '/api/auth/tokens', { method: 'POST', headers, body: { name: 'ci' } });
    const bearer = { authorization: `Bearer ${created.body.token}` };
    const attempts = [
      await request<ApiErrorBody>(stack, '/api/auth/tokens', { headers: bearer }),
      await request<ApiErrorBody>(stack, '/api/auth/tokens', { method: 'POST', headers: bearer, body: { name: 'minted by a script' } }),
      await request<ApiErrorBody>(stack, `/api/auth/tokens/${created.body.id}`, { method: 'DELETE', headers: bearer }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(403);
      expect(res.body.error).toEqual({ code: 'forbidden', message: 'API tokens cannot create, list or revoke API tokens: do that on the web page, logged in with the password' });
    }
    const list = await request<{ items: ApiToken[] }>(stack, '/api/auth/tokens', { headers });
    expect(list.body.items.map((t) => t.name)).toEqual(['ci']);
    expect((await request(stack, '/api/characters', { headers: bearer })).status).toBe(200);
  });

  it('API tokens with an expiry: shown in lists, refused once expired', async () => {
    const session = await request<SessionInfo>(stack, '/api/auth/login', { method: 'POST', body: { password: 'correct horse battery' } });
    const headers = { cookie: cookieOf(session.headers), 'X-CSRF-Token': session.body.csrfToken! };
    const tooLong = await request<ApiErrorBody>(stack, '/api/auth/tokens', { method: 'POST', headers, body: { name: 'ci', expiresInDays: 3651 } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toBe('Invalid request body: expiresInDays: expiresInDays can be at most 3650 (ten years)');

    const before = Date.now();
    const created = await request<CreatedApiToken>(stack, '/api/auth/tokens', { method: 'POST', headers, body: { name: 'nightly', expiresInDays: 30 } });
    expect(created.status).toBe(201);
    const expiresAt = new Date(created.body.expiresAt!).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);
    const list = await request<{ items: ApiToken[] }>(stack, '/api/auth/tokens', { headers });
    expect(list.body.items.find((t) => t.id === created.body.id)?.expiresAt).toBe(created.body.expiresAt);

    const bearer = { authorization: `Bearer ${created.body.token}` };
    expect((await request(stack, '/api/characters', { headers: bearer })).status).toBe(200);
    // Thirty days later (the clock of the row moved back rather than the server's forward).
    await stack.db.db.execute(sql`update api_tokens set expires_at = now() - interval '1 second' where id = ${created.body.id}`);
    const expired = await request<ApiErrorBody>(stack, '/api/characters', { headers: bearer });
    expect(expired.status).toBe(401);
    expect(expired.body.error).toEqual({ code: 'unauthorized', message: 'This API token has expired' });
    // Still listed (with its expiry) until revoked.
    const after = await request<{ items: ApiToken[] }>(stack, '/api/auth/tokens', { headers });
    expect(new Date(after.body.items.find((t) => t.id === created.body.id)!.expiresAt!).getTime()).toBeLessThan(Date.now());
  });
});

describe.each(testDatabaseKinds())('first-visit setup, twice at the same moment (%s)', (kind) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ db: kind, env: { AUTH: 'on' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lets exactly one choose the password; the others are told to log in with it', async () => {
    const setupCode = setupCodeOf(stack);
    const passwords = Array.from({ length: 5 }, (_, i) => `the password of person ${i}`);
    const answers = await Promise.all(
      passwords.map((password) => request<ApiErrorBody | SessionInfo>(stack, '/api/auth/setup', { method: 'POST', body: { setupCode, password } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(answer.body).toEqual({ error: { code: 'conflict', message: ALREADY_SET_UP } });
      expect(answer.headers.get('set-cookie')).toBeNull();
    }
    // The winner's password works, and keeps working; the others' never did.
    const winner = passwords[answers.findIndex((a) => a.status === 200)]!;
    for (const password of passwords) {
      const login = await request(stack, '/api/auth/login', { method: 'POST', body: { password } });
      expect(login.status, password).toBe(password === winner ? 200 : 401);
    }
    expect((await request(stack, '/api/auth/login', { method: 'POST', body: { password: winner } })).status).toBe(200);
  });
});

describe('an admin password from the environment, behind a trusted proxy (TRUST_PROXY=127.0.0.1,::1)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { AUTH: 'on', ISENGARD_PASSWORD: 'from the environment', TRUST_PROXY: '127.0.0.1,::1' } });
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

  it('bounds guessing per account, from however many addresses, and lets the owner in after the wait', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const wrong = await request(stack, '/api/auth/login', { method: 'POST', headers: { 'X-Forwarded-For': `198.51.100.${i + 1}` }, body: { password: `attempt ${i}` } });
      statuses.push(wrong.status);
    }
    // Each guess from an address of its own (the proxy is trusted): the account still counts them all.
    expect(statuses).toEqual([...Array<number>(6).fill(401), ...Array<number>(6).fill(429)]);
    const owner = { 'X-Forwarded-For': '192.0.2.7' };
    const waiting = await request<ApiErrorBody>(stack, '/api/auth/login', { method: 'POST', headers: owner, body: { password: 'from the environment' } });
    expect(waiting.status).toBe(429);
    // Not locked for good: once the wait is over the rightful owner gets in.
    await new Promise((resolve) => setTimeout(resolve, Number(waiting.headers.get('retry-after')) * 1000));
    expect((await request(stack, '/api/auth/login', { method: 'POST', headers: owner, body: { password: 'from the environment' } })).status).toBe(200);

    const throttled = await eventually(async () => {
      const lines = apiLog(stack).lines.filter((line) => line.event === 'auth.throttled');
      return lines.length >= 7 ? lines : undefined;
    }, 5_000, 'the auth.throttled lines');
    expect(throttled.map((line) => line.context.ip)).toEqual([...Array.from({ length: 6 }, (_, i) => `198.51.100.${i + 7}`), '192.0.2.7']);
    expect(throttled.every((line) => line.context.account === 'admin' && (line.context.throttledBy as string[]).includes('account'))).toBe(true);
    expect(apiLog(stack).text).not.toMatch(/attempt \d+"/);
  });
});
