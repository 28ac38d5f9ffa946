import { Router, type Request, type Response } from 'express';
import {
  createApiToken,
  createSession,
  deleteSession,
  listApiTokens,
  revokeApiToken,
  SESSION_DAYS,
  storePasswordHash,
} from '../../db/repositories/auth';
import { loginInput, setupInput, tokenInput, type Session } from '../../lib/contracts/auth';
import { hashPassword, verifyPassword } from '../auth/password';
import { LoginRateLimit } from '../auth/rate-limit';
import { readCookie, SESSION_COOKIE } from '../auth/service';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';

/** Login, logout, first-visit setup, and API tokens for scripts. */
export function authRouter(deps: ApiDeps): Router {
  const { auth, logger } = deps;
  const db = deps.db.db;
  const limit = new LoginRateLimit();
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

  function checkRate(ip: string, res: Response): void {
    const wait = limit.waitFor(ip);
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      throw new HttpError(429, 'rate_limited', `Too many wrong attempts: try again in ${Math.ceil(wait / 1000)} s`, { retryAfterSeconds: Math.ceil(wait / 1000) });
    }
  }

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
    if (!auth.required || !auth.setupCode) throw new HttpError(409, 'conflict', 'The admin password is already set');
    const ip = req.ip ?? 'unknown';
    checkRate(ip, res);
    const input = parseOrThrow(setupInput, req.body);
    if (input.setupCode !== auth.setupCode) {
      limit.failed(ip);
      const message = 'Wrong setup code: it is in the server log (and in the terminal running npm start)';
      throw new HttpError(403, 'forbidden', message, [{ field: 'setupCode', message }]);
    }
    limit.succeeded(ip);
    await storePasswordHash(db, await hashPassword(input.password));
    auth.setupCode = undefined;
    logger.info('auth.password_set', 'Admin password chosen on the first visit');
    res.json(await startSession(req, res));
  });

  router.post('/login', requireJson, async (req, res) => {
    if (!auth.required) throw new HttpError(409, 'conflict', 'This instance needs no login (it listens on loopback only)');
    const ip = req.ip ?? 'unknown';
    checkRate(ip, res);
    const input = parseOrThrow(loginInput, req.body);
    const hash = await auth.passwordHash();
    if (!hash) throw new HttpError(409, 'conflict', 'No admin password yet: choose one with the setup code');
    if (!(await verifyPassword(input.password, hash))) {
      limit.failed(ip);
      logger.warn('auth.login_failed', 'Wrong password', { ip });
      throw new HttpError(401, 'unauthorized', 'Wrong password', [{ field: 'password', message: 'Wrong password' }]);
    }
    limit.succeeded(ip);
    logger.info('auth.login', 'Logged in', { ip });
    res.json(await startSession(req, res));
  });

  router.post('/logout', async (req, res) => {
    const cookie = readCookie(req, SESSION_COOKIE);
    if (cookie) await deleteSession(db, cookie);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  router.get('/tokens', async (_req, res) => {
    res.json({ items: await listApiTokens(db) });
  });

  router.post('/tokens', requireJson, async (req, res) => {
    const { name } = parseOrThrow(tokenInput, req.body);
    const token = await createApiToken(db, name);
    logger.info('auth.token_created', `API token "${name}" created`, { tokenId: token.id });
    res.status(201).json(token);
  });

  router.delete('/tokens/:id', async (req, res) => {
    const id = idParam(req.params.id);
    if (!(await revokeApiToken(db, id))) throw notFound('API token');
    logger.info('auth.token_revoked', 'API token revoked', { tokenId: id });
    res.status(204).end();
  });

  return router;
}
