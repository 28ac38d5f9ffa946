import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Database } from '../../db/client';
import { findApiToken, findSession, storedPasswordHash } from '../../db/repositories/auth';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';
import { HttpError } from '../errors';
import { hashPassword } from './password';

export const SESSION_COOKIE = 'isengard_session';
export const CSRF_HEADER = 'X-CSRF-Token';

declare module 'express-serve-static-core' {
  interface Request {
    /** The CSRF token of the cookie session that authenticated the request, if any. */
    csrfToken?: string;
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Routes anyone may call even when a login is required: logging in and the bare health answer. Nothing that writes. */
const PUBLIC = [/^GET \/health$/, /^(GET|POST) \/auth\/(session|login|setup|logout)$/];

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/**
 * Who may use the instance (design §9). A login is required once the server listens on anything but loopback
 * (or AUTH=on): a cookie session for browsers (CSRF-protected), API tokens for scripts. The admin password comes
 * from ISENGARD_PASSWORD, or is chosen on the first visit with a one-time setup code printed in the logs.
 */
export class Auth {
  readonly required: boolean;
  private envPasswordHash: Promise<string> | undefined;
  /** While no password exists: the code that lets the first visitor choose one. */
  setupCode: string | undefined;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly logger: Logger,
  ) {
    this.required = config.authMode === 'on' || !LOOPBACK.has(config.http.host);
    if (config.password) this.envPasswordHash = hashPassword(config.password);
  }

  /** Decides whether a setup code is needed, and says it where the operator will see it. */
  async init(): Promise<void> {
    if (!this.required || this.config.password || (await storedPasswordHash(this.db))) return;
    this.setupCode = randomBytes(6).toString('hex');
    this.logger.warn(
      'auth.setup_code',
      `No admin password yet: open the web UI and choose one with the setup code ${this.setupCode} (or set ISENGARD_PASSWORD)`,
      { setupCode: this.setupCode },
    );
  }

  /** The hash to check a password against: the environment's, or the one chosen on the first visit. */
  async passwordHash(): Promise<string | undefined> {
    return this.envPasswordHash ? await this.envPasswordHash : storedPasswordHash(this.db);
  }

  /** Finds out who is calling (session cookie or bearer token); sets `req.principal`. Never refuses by itself. */
  identify: RequestHandler = (req, _res, next) => {
    void (async () => {
      const bearer = /^Bearer (isg_[A-Za-z0-9_-]+)$/.exec(req.get('authorization') ?? '')?.[1];
      if (bearer) {
        const token = await findApiToken(this.db, bearer);
        if (token) req.principal = `token:${token.name}`;
        return;
      }
      const cookie = readCookie(req, SESSION_COOKIE);
      if (cookie) {
        const session = await findSession(this.db, cookie);
        if (session) {
          req.principal = 'admin';
          req.csrfToken = session.csrfToken;
        }
      }
    })().then(() => next(), next);
  };

  /** Refuses what needs a login when none was given, and cookie-authenticated changes without the CSRF token. */
  guard: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
    if (!this.required || PUBLIC.some((route) => route.test(`${req.method} ${req.path}`))) return next();
    if (!req.principal) return next(new HttpError(401, 'unauthorized', 'Log in first (or send an API token as Authorization: Bearer …)'));
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    if (changes && req.csrfToken !== undefined && req.get(CSRF_HEADER) !== req.csrfToken) {
      return next(new HttpError(403, 'forbidden', 'This request lacks the page\'s security token: reload the page and try again'));
    }
    next();
  };
}
