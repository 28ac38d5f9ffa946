import { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  claimAdminPassword,
  createApiToken,
  createSession,
  deleteSession,
  listApiTokens,
  revokeApiToken,
  SESSION_DAYS,
} from '../../db/repositories/auth';
import { setTokenWebhook } from '../../db/repositories/webhooks';
import { loginInput, setupInput, tokenInput, type Session } from '../../lib/contracts/auth';
import { webhookInput } from '../../lib/contracts/webhooks';
import { sealSecret } from '../../lib/webhooks/secret-box';
import { hashPassword, verifyPassword } from '../auth/password';
import { ADMIN_ACCOUNT, readCookie, sameSecret, SESSION_COOKIE } from '../auth/service';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';

export const ALREADY_SET_UP = 'Isengard is already set up: log in with the password chosen then';

/** Login, logout, first-visit setup, and API tokens for scripts. */
export function authRouter(deps: ApiDeps): Router {
  const { auth, logger } = deps;
  const db = deps.db.db;
  const router = Router();

  async function startSession(req: Request, res: Response) {
    const session = await createSession(db);
    res.cookie(SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      maxAge: SESSION_DAYS * 24 * 3600 * 1000,
    });
    return { authenticated: true, csrfToken: session.csrfToken };
  }

  /**
   * Starts a password (or setup code) attempt, or refuses it with a 429 while the address or the account must
   * still wait after earlier wrong ones. Each refusal is one WARN line: the address and the account, never the secret.
   */
  function beginAttempt(req: Request, res: Response, attempt: 'login' | 'setup'): string {
    const ip = req.ip ?? 'unknown';
    const { waitMs, by } = auth.throttle.begin(ip, ADMIN_ACCOUNT);
    if (waitMs === 0) return ip;
    const seconds = Math.ceil(waitMs / 1000);
    logger.warn('auth.throttled', `${attempt === 'login' ? 'Login' : 'Setup'} attempt refused: too many wrong tries, ${seconds} s still to wait`, {
      ip,
      account: ADMIN_ACCOUNT,
      attempt,
      throttledBy: by,
      retryAfterSeconds: seconds,
    });
    res.setHeader('Retry-After', String(seconds));
    throw new HttpError(429, 'rate_limited', `Too many wrong attempts: try again in ${seconds} s`, { retryAfterSeconds: seconds });
  }

  /** API tokens are managed from a browser session only: a token that could mint tokens could outlive its revocation. */
  const browserOnly: RequestHandler = (req, _res, next) => {
    if (req.credential === 'token') {
      next(new HttpError(403, 'forbidden', 'API tokens cannot create, list or revoke API tokens: do that on the web page, logged in with the password'));
      return;
    }
    next();
  };

  router.get('/session', (req, res) => {
    res.json({
      authRequired: auth.required,
      authenticated: Boolean(req.principal),
      principal: req.principal ?? null,
      csrfToken: req.csrfToken ?? null,
      setupRequired: auth.required && auth.setupCode !== undefined,
    } satisfies Session);
  });

  router.post('/setup', requireJson, async (req, res) => {
    if (!auth.required) throw new HttpError(409, 'conflict', 'This instance needs no login (it listens on loopback only)');
    if (!auth.setupCode) throw new HttpError(409, 'conflict', ALREADY_SET_UP);
    const input = parseOrThrow(setupInput, req.body);
    const ip = beginAttempt(req, res, 'setup');
    if (!sameSecret(input.setupCode, auth.setupCode)) {
      logger.warn('auth.setup_failed', 'Wrong setup code', { ip, account: ADMIN_ACCOUNT });
      const message = 'Wrong setup code: it is in the server log (and in the terminal running npm start)';
      throw new HttpError(403, 'forbidden', message, [{ field: 'setupCode', message }]);
    }
    // Two setups at once both get here: the database lets exactly one claim the password.
    const claimed = await claimAdminPassword(db, await hashPassword(input.password));
    auth.setupCode = undefined;
    if (!claimed) {
      logger.warn('auth.setup_refused', 'A second first-visit setup was refused: the password was already chosen', { ip });
      throw new HttpError(409, 'conflict', ALREADY_SET_UP);
    }
    auth.throttle.succeeded(ip, ADMIN_ACCOUNT);
    logger.info('auth.password_set', 'Admin password chosen on the first visit', { ip });
    res.json(await startSession(req, res));
  });

  router.post('/login', requireJson, async (req, res) => {
    if (!auth.required) throw new HttpError(409, 'conflict', 'This instance needs no login (it listens on loopback only)');
    const input = parseOrThrow(loginInput, req.body);
    const hash = await auth.passwordHash();
    if (!hash) throw new HttpError(409, 'conflict', 'No admin password yet: choose one with the setup code');
    const ip = beginAttempt(req, res, 'login');
    if (!(await verifyPassword(input.password, hash))) {
      logger.warn('auth.login_failed', 'Wrong password', { ip, account: ADMIN_ACCOUNT });
      throw new HttpError(401, 'unauthorized', 'Wrong password', [{ field: 'password', message: 'Wrong password' }]);
    }
    auth.throttle.succeeded(ip, ADMIN_ACCOUNT);
    logger.info('auth.login', 'Logged in', { ip, account: ADMIN_ACCOUNT });
    res.json(await startSession(req, res));
  });

  // The CSRF token is checked by the guard (api/auth/service.ts) whenever the cookie holds a live session.
  router.post('/logout', async (req, res) => {
    const cookie = readCookie(req, SESSION_COOKIE);
    if (cookie) await deleteSession(db, cookie);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  router.get('/tokens', browserOnly, async (_req, res) => {
    res.json({ items: await listApiTokens(db) });
  });

  router.post('/tokens', browserOnly, requireJson, async (req, res) => {
    const { name, expiresInDays, webhook } = parseOrThrow(tokenInput, req.body);
    const token = await createApiToken(db, name, expiresInDays);
    if (webhook) await setTokenWebhook(db, token.id, webhook.url, sealSecret(deps.config.storage.root, webhook.secret));
    logger.info('auth.token_created', `API token "${name}" created`, { tokenId: token.id, expiresAt: token.expiresAt, webhook: Boolean(webhook) });
    res.status(201).json({ ...token, webhookUrl: webhook?.url ?? null });
  });

  /** Sets or changes a token's webhook; without a secret the stored one stays. */
  router.put('/tokens/:id/webhook', browserOnly, requireJson, async (req, res) => {
    const id = idParam(req.params.id);
    const input = parseOrThrow(webhookInput, req.body);
    const sealed = input.secret === undefined ? undefined : sealSecret(deps.config.storage.root, input.secret);
    const outcome = await setTokenWebhook(db, id, input.url, sealed);
    if (outcome === 'missing') throw notFound('API token');
    if (outcome === 'no_secret') {
      const message = 'a new webhook needs a secret to sign its calls with';
      throw new HttpError(400, 'validation_failed', `Invalid request body: secret: ${message}`, [{ field: 'secret', message }]);
    }
    logger.info('auth.token_webhook_set', `API token webhook set to ${new URL(input.url).host}`, { tokenId: id, secretChanged: input.secret !== undefined });
    res.json({ url: input.url, hasSecret: true });
  });

  router.delete('/tokens/:id/webhook', browserOnly, async (req, res) => {
    const id = idParam(req.params.id);
    if ((await setTokenWebhook(db, id, null, undefined)) === 'missing') throw notFound('API token');
    logger.info('auth.token_webhook_removed', 'API token webhook removed', { tokenId: id });
    res.status(204).end();
  });

  router.delete('/tokens/:id', browserOnly, async (req, res) => {
    const id = idParam(req.params.id);
    if (!(await revokeApiToken(db, id))) throw notFound('API token');
    logger.info('auth.token_revoked', 'API token revoked', { tokenId: id });
    res.status(204).end();
  });

  return router;
}
