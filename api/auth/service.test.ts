import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../db/client';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';
import { HttpError } from '../errors';
import { Auth, bearerToken, sameSecret } from './service';

describe('bearerToken', () => {
  it('accepts the Bearer scheme in any case, as HTTP says', () => {
    for (const header of ['Bearer isg_abc-_9', 'bearer isg_abc-_9', 'BEARER isg_abc-_9', 'BeArEr   isg_abc-_9', ' Bearer isg_abc-_9 ']) {
      expect(bearerToken(header), header).toBe('isg_abc-_9');
    }
  });

  it('ignores anything else', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic isg_abc', 'Bearer abc', 'Bearer ISG_abc', 'Bearer isg_abc extra', 'Bearerisg_abc', 'Bearer isg_a%b']) {
      expect(bearerToken(header), String(header)).toBeUndefined();
    }
  });
});

describe('sameSecret', () => {
  it('compares secrets of any length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });
});

describe('Auth.guard', () => {
  const auth = new Auth(
    { authMode: 'on', password: undefined, http: { host: '127.0.0.1', port: 3000, trustProxy: false } } as unknown as Config,
    {} as Database,
    {} as Logger,
  );

  function guard(req: Partial<Request> & { method: string; path: string; headers?: Record<string, string> }): unknown {
    const headers = req.headers ?? {};
    const full = { ...req, get: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
    let passed: unknown = 'not called';
    auth.guard(full, {} as never, (err?: unknown) => (passed = err));
    return passed;
  }
  const status = (outcome: unknown) => (outcome instanceof HttpError ? `${outcome.status} ${outcome.message}` : outcome);

  it('asks a logged-in browser for the CSRF token on logout, like on every other change', () => {
    const session = { principal: 'admin', credential: 'session' as const, csrfToken: 'csrf-1' };
    expect(status(guard({ method: 'POST', path: '/auth/logout', ...session }))).toMatch(/^403 This request lacks the page's security token/);
    expect(status(guard({ method: 'POST', path: '/auth/logout', ...session, headers: { 'x-csrf-token': 'wrong' } }))).toMatch(/^403/);
    expect(guard({ method: 'POST', path: '/auth/logout', ...session, headers: { 'x-csrf-token': 'csrf-1' } })).toBeUndefined();
    // Without a live session there is nothing to end: the cookie is cleared.
    expect(guard({ method: 'POST', path: '/auth/logout' })).toBeUndefined();
  });

  it('lets a browser log in again without the token of a session it may not know', () => {
    const session = { principal: 'admin', credential: 'session' as const, csrfToken: 'csrf-1' };
    expect(guard({ method: 'POST', path: '/auth/login', ...session })).toBeUndefined();
    expect(guard({ method: 'POST', path: '/auth/setup', ...session })).toBeUndefined();
  });

  it('says why sent credentials do not count', () => {
    expect(status(guard({ method: 'GET', path: '/characters', credentialProblem: 'This API token has expired' }))).toBe('401 This API token has expired');
    expect(status(guard({ method: 'GET', path: '/characters' }))).toMatch(/^401 Log in first/);
  });

  it('refuses a token that does not work even where no login is needed, but not the public routes', () => {
    const open = new Auth(
      { authMode: 'auto', password: undefined, http: { host: '127.0.0.1', port: 3000, trustProxy: false } } as unknown as Config,
      {} as Database,
      {} as Logger,
    );
    const pass = (req: Partial<Request> & { method: string; path: string }) => {
      let passed: unknown = 'not called';
      open.guard({ ...req, get: () => undefined } as unknown as Request, {} as never, (err?: unknown) => (passed = err));
      return status(passed);
    };
    const revoked = 'This API token is not valid: it was revoked, or it is mistyped';
    expect(pass({ method: 'GET', path: '/characters', credentialProblem: revoked })).toBe(`401 ${revoked}`);
    expect(pass({ method: 'GET', path: '/characters' })).toBeUndefined();
    expect(pass({ method: 'GET', path: '/health', credentialProblem: revoked })).toBeUndefined();
  });
});
