import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import { logFilePath } from '../../lib/logger/logger';
import { request, type HttpResult } from '../helpers/http';
import { startTestStack, type TestStack } from '../helpers/stack';

const PASSWORD = 'correct horse battery staple';

function clientLog(stack: TestStack): string {
  const file = logFilePath(stack.config.log.dir, 'web', 'client');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function clientLogBytes(stack: TestStack): number {
  const file = logFilePath(stack.config.log.dir, 'web', 'client');
  return existsSync(file) ? statSync(file).size : 0;
}

/** The biggest report the API takes: every field at its limit. */
const biggest = (n: number) => ({
  level: 'error',
  event: 'client.error',
  message: `${n} ${'m'.repeat(990)}`,
  stack: 's'.repeat(4000),
  route: `/${'r'.repeat(499)}`,
  url: `/${'u'.repeat(499)}`,
});

describe('browser error reports once a login is required', () => {
  let stack: TestStack;
  const sessions: Array<{ cookie: string; csrf: string }> = [];
  beforeAll(async () => {
    stack = await startTestStack({ env: { AUTH: 'on', ISENGARD_PASSWORD: PASSWORD } });
    for (let i = 0; i < 2; i++) {
      const login = await request<{ csrfToken: string }>(stack, '/api/auth/login', { method: 'POST', body: { password: PASSWORD } });
      expect(login.status).toBe(200);
      sessions.push({ cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: login.body.csrfToken });
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const report = (session: { cookie: string; csrf: string } | undefined, body: unknown, headers: Record<string, string> = {}) =>
    request<ApiErrorBody>(stack, '/api/client-logs', {
      method: 'POST',
      headers: session ? { cookie: session.cookie, 'X-CSRF-Token': session.csrf, ...headers } : headers,
      body,
    });

  it('takes no report without a login', async () => {
    const res = await report(undefined, { level: 'error', message: 'anonymous write' });
    expect(res.status).toBe(401);
    expect(clientLog(stack)).not.toContain('anonymous write');
  });

  it('takes the small fields only: level, message, event, route or url, stack', async () => {
    const [session] = sessions;
    const ok = await report(session, { level: 'warn', event: 'client.render_error', message: 'TypeError: x is undefined', route: '/characters', stack: 'at Card' }, {
      'X-Correlation-ID': 'browser-12',
    });
    expect(ok.status).toBe(204);
    const line = JSON.parse(clientLog(stack).trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(line).toMatchObject({
      service: 'web',
      level: 'WARN',
      correlation_id: 'browser-12',
      event: 'client.render_error',
      message: 'TypeError: x is undefined',
      context: { route: '/characters', stack: 'at Card' },
    });

    const refused: Array<[string, unknown, RegExp]> = [
      ['a context object', { message: 'x', context: { anything: 'at all' } }, /Unrecognized key: "context"/],
      ['a message over 1000 characters', { message: 'x'.repeat(1001) }, /message can be at most 1000 characters/],
      ['a stack over 4000 characters', { message: 'x', stack: 'y'.repeat(4001) }, /stack can be at most 4000 characters/],
      ['a route over 500 characters', { message: 'x', route: 'y'.repeat(501) }, /route can be at most 500 characters/],
      ['an event that is not a browser one', { message: 'x', event: 'auth.setup_code' }, /event must start with client\./],
    ];
    for (const [what, body, problem] of refused) {
      const res = await report(session, body);
      expect(res.status, what).toBe(400);
      expect(res.body.error.message, what).toMatch(problem);
    }
    const huge = await report(session, { message: 'x', padding: 'p'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({ code: 'payload_too_large', message: 'The request body is too large: at most 16 KB here' });
  });

  it('takes 10 reports a minute per session: 200 of the biggest add a few tens of KB, not megabytes', async () => {
    const session = sessions[1]!;
    const before = clientLogBytes(stack);
    const answers: Array<HttpResult<ApiErrorBody>> = [];
    for (let batch = 0; batch < 10; batch++) {
      answers.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => report(session, biggest(batch * 20 + i))))));
    }
    expect(answers.filter((a) => a.status === 204)).toHaveLength(10);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(190);
    expect(limited[0]!.body.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^Too many error reports from this browser: at most 10 a minute\. Try again in \d+ s\.$/) });
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    const grown = clientLogBytes(stack) - before;
    expect(grown).toBeGreaterThan(10 * 6_000);
    expect(grown).toBeLessThan(100_000);

    // Another browser session has its own budget.
    const other = await report(sessions[0], { message: 'from the other tab' });
    expect(other.status).toBe(204);
  });
});

describe('browser error reports on a loopback instance (no login)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('counts per client address, whatever X-Forwarded-For claims', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await request(stack, '/api/client-logs', {
        method: 'POST',
        headers: { 'X-Forwarded-For': `203.0.113.${i}` },
        body: { message: `report ${i}` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(204), 429, 429]);
    expect(clientLog(stack)).not.toContain('report 10');
  });
});
