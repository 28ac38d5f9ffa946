import { Router } from 'express';
import { z } from 'zod';
import { CAPABILITIES } from '../../lib/contracts/capabilities';
import { EVENT_PATTERN } from '../../lib/logger/schema';
import type { ApiDeps } from '../deps';
import { parseOrThrow } from '../errors';
import type { Health } from '../../lib/contracts/health';
import { checkHealth } from '../health';
import { requireJson } from '../middleware/error-handler';

const clientLogInput = z.strictObject({
  level: z.enum(['error', 'warn', 'info']).default('error'),
  message: z.string().min(1, 'message cannot be empty').max(4000, 'message can be at most 4000 characters'),
  event: z.string().regex(EVENT_PATTERN, 'event must be a dotted lower-case name').optional(),
  url: z.string().max(2000).optional(),
  stack: z.string().max(8000).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});

/** Health, capabilities, and the endpoint browsers post their errors to. */
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

  router.get('/capabilities', (_req, res) => {
    res.json({ items: CAPABILITIES });
  });

  router.post('/client-logs', requireJson, (req, res) => {
    const entry = parseOrThrow(clientLogInput, req.body);
    const level = entry.level === 'error' ? 'ERROR' : entry.level === 'warn' ? 'WARN' : 'INFO';
    deps.clientLogger.log(level, entry.event ?? 'client.error', entry.message, {
      url: entry.url,
      stack: entry.stack,
      userAgent: req.get('user-agent'),
      ...entry.context,
    });
    res.status(204).end();
  });

  return router;
}
