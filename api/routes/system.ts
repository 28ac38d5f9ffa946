import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { CAPABILITIES } from '../../lib/contracts/capabilities';
import { engineVersion, ENGINE_METAS } from '../../plugins/versions';
import { EVENT_PATTERN } from '../../lib/logger/schema';
import type { ApiDeps } from '../deps';
import { HttpError, parseOrThrow } from '../errors';
import type { Health } from '../../lib/contracts/health';
import { checkHealth } from '../health';
import { requireJson } from '../middleware/error-handler';
import { PerMinuteLimit } from '../per-minute-limit';

/** The limits of a browser's error report: a few KB in all, and nothing but these fields. */
export const CLIENT_LOG_LIMITS = { message: 1_000, stack: 4_000, route: 500, url: 500, event: 100, bodyBytes: 16 * 1024 } as const;
/** Error reports accepted per browser session (or, without one, per client address) in any minute. */
export const CLIENT_LOGS_PER_MINUTE = 10;

const clientLogInput = z.strictObject({
  level: z.enum(['error', 'warn', 'info']).default('error'),
  message: z
    .string()
    .min(1, 'message cannot be empty')
    .max(CLIENT_LOG_LIMITS.message, `message can be at most ${CLIENT_LOG_LIMITS.message} characters`),
  event: z
    .string()
    .max(CLIENT_LOG_LIMITS.event)
    .regex(EVENT_PATTERN, 'event must be a dotted lower-case name')
    .startsWith('client.', 'event must start with client.')
    .optional(),
  route: z.string().max(CLIENT_LOG_LIMITS.route, `route can be at most ${CLIENT_LOG_LIMITS.route} characters`).optional(),
  url: z.string().max(CLIENT_LOG_LIMITS.url, `url can be at most ${CLIENT_LOG_LIMITS.url} characters`).optional(),
  stack: z.string().max(CLIENT_LOG_LIMITS.stack, `stack can be at most ${CLIENT_LOG_LIMITS.stack} characters`).optional(),
});

/**
 * Whose reports count together: the browser's login session, an API token, or else the client's address as Express
 * sees it (`req.ip`: X-Forwarded-For is believed only from the proxies TRUST_PROXY names).
 */
function reporterKey(req: Request): string {
  if (req.csrfToken) return `session:${createHash('sha256').update(req.csrfToken).digest('hex').slice(0, 32)}`;
  if (req.principal) return `principal:${req.principal}`;
  return `address:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

/** Health, capabilities, and the endpoint browsers post their errors to (logs/web/latest/client.log). */
export function systemRouter(deps: ApiDeps): Router {
  const router = Router();

  // Probes poll health all the time: the checks run at most once a second, whoever asks.
  let cached: { at: number; health: Promise<Health> } | undefined;
  const currentHealth = () => {
    if (!cached || Date.now() - cached.at > 1_000) cached = { at: Date.now(), health: checkHealth(deps) };
    return cached.health;
  };

  router.get('/health', async (req, res) => {
    const health = await currentHealth();
    const code = health.status === 'down' ? 503 : 200;
    // Behind a login, strangers learn only whether the instance is up (what a load balancer needs).
    if (deps.auth.required && !req.principal) res.status(code).json({ status: health.status });
    else res.status(code).json(health);
  });

  // Each engine's version, as its runs and LoRAs record it (plugins/versions.ts).
  const capabilities = CAPABILITIES.map((c) => {
    const meta = ENGINE_METAS.find((m) => m.id === c.engine);
    return { ...c, engineVersion: meta ? engineVersion(meta) : null };
  });
  router.get('/capabilities', (_req, res) => {
    res.json({ items: capabilities });
  });

  // Browser error reports: a login is needed once the instance asks for one (api/auth/service.ts), each report is
  // small, and each browser sends a few a minute at most, so that nobody can fill the disk through client.log.
  const reports = new PerMinuteLimit(CLIENT_LOGS_PER_MINUTE);
  router.post('/client-logs', requireJson, (req, res) => {
    const waitSeconds = reports.take(reporterKey(req));
    if (waitSeconds > 0) {
      res.set('Retry-After', String(waitSeconds));
      throw new HttpError(
        429,
        'rate_limited',
        `Too many error reports from this browser: at most ${CLIENT_LOGS_PER_MINUTE} a minute. Try again in ${waitSeconds} s.`,
        { retryAfterSeconds: waitSeconds },
      );
    }
    const entry = parseOrThrow(clientLogInput, req.body);
    const level = entry.level === 'error' ? 'ERROR' : entry.level === 'warn' ? 'WARN' : 'INFO';
    deps.clientLogger.log(level, entry.event ?? 'client.error', entry.message, {
      route: entry.route,
      url: entry.url,
      stack: entry.stack,
      userAgent: req.get('user-agent')?.slice(0, 300),
    });
    res.status(204).end();
  });

  return router;
}
