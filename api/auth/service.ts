import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Database } from '../../db/client';
import { findApiToken, findSession, storedPasswordHash } from '../../db/repositories/auth';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';
import { HttpError } from '../errors';
import { hashPassword } from './password';
import { LoginThrottle } from './rate-limit';

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

/**
 * Changes a cookie session may make without the CSRF token: those that start a new session (they need the password
 * or the setup code anyway). Everything else that changes, logging out included, needs it.
 */
const STARTS_A_SESSION = /^POST \/auth\/(login|setup)$/;

/** The one account of an instance: what the per-account throttle of password attempts counts against. */
export const ADMIN_ACCOUNT = 'admin';

/**
 * The API token of an `Authorization: Bearer isg_…` header, the scheme in any case (RFC 9110 §11.1); undefined
 * for any other header.
 */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]+(isg_[A-Za-z0-9_-]+)[ \t]*$/.exec(header ?? '');
  return match && match[1]!.toLowerCase() === 'bearer' ? match[2] : undefined;
}

/** Compares two secrets in a time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

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
  /** Wrong passwords and setup codes slow down further attempts, per client address and per account. */
  readonly throttle = new LoginThrottle();

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

  /**
   * Finds out who is calling (bearer token, else session cookie); sets `req.principal` and `req.credential`, or
   * `req.credentialProblem` for a token that no longer works. Never refuses by itself.
   */
  identify: RequestHandler = (req, _res, next) => {
    void (async () => {
      const bearer = bearerToken(req.get('authorization'));
      if (bearer) {
        const token = await findApiToken(this.db, bearer);
        if (!token) req.credentialProblem = 'This API token is not valid: it was revoked, or it is mistyped';
        else if (token.expired) req.credentialProblem = 'This API token has expired';
        else {
          req.principal = `token:${token.name}`;
          req.credential = 'token';
        }
        return;
      }
      const cookie = readCookie(req, SESSION_COOKIE);
      if (cookie) {
        const session = await findSession(this.db, cookie);
        if (session) {
          req.principal = ADMIN_ACCOUNT;
          req.credential = 'session';
          req.csrfToken = session.csrfToken;
        }
      }
    })().then(() => next(), next);
  };

  /** Refuses what needs a login when none was given, and cookie-authenticated changes without the CSRF token. */
  guard: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
    const route = `${req.method} ${req.path}`;
    // A token that was sent and does not work is refused even where no login is needed (loopback): a script
    // learns its token was revoked or mistyped before it is moved to an instance that does need one.
    if (req.credentialProblem && !PUBLIC.some((pattern) => pattern.test(route))) {
      return next(new HttpError(401, 'unauthorized', req.credentialProblem));
    }
    if (!this.required) return next();
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    if (changes && req.csrfToken !== undefined && !STARTS_A_SESSION.test(route) && !sameSecret(req.get(CSRF_HEADER) ?? '', req.csrfToken)) {
      return next(new HttpError(403, 'forbidden', 'This request lacks the page\'s security token: reload the page and try again'));
    }
    if (PUBLIC.some((pattern) => pattern.test(route))) return next();
    if (!req.principal) {
      return next(new HttpError(401, 'unauthorized', req.credentialProblem ?? 'Log in first (or send an API token as Authorization: Bearer …)'));
    }
    next();
  };
}
