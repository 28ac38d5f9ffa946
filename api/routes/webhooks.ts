import { Router } from 'express';
import { z } from 'zod';
import { deleteSettingsWebhook, getDelivery, getSettingsWebhook, listDeliveries, restartDelivery, setSettingsWebhook } from '../../db/repositories/webhooks';
import { webhookInput } from '../../lib/contracts/webhooks';
import { sealSecret } from '../../lib/webhooks/secret-box';
import { deliveryWorkflowId, startDelivery } from '../../activities/control/webhooks';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { requireJson } from '../middleware/error-handler';
import { webhooksFromBrowserOnly } from '../webhooks/browser-only';

export const DELIVERY_LOG_SIZE = 50;
const deliveryIdSchema = z.string().regex(/^whd_[0-9a-f]{32}$/, 'must be a delivery id such as whd_0123… (32 hex digits)');

/** The instance-wide webhook and the delivery log (System page). */
export function webhooksRouter(deps: ApiDeps): Router {
  const { logger } = deps;
  const db = deps.db.db;
  const router = Router();

  router.get('/settings', async (_req, res) => {
    res.json({ webhook: await getSettingsWebhook(db) });
  });

  router.put('/settings', webhooksFromBrowserOnly, requireJson, async (req, res) => {
    const input = parseOrThrow(webhookInput, req.body);
    const sealed = input.secret === undefined ? undefined : sealSecret(deps.config.storage.root, input.secret);
    if (!(await setSettingsWebhook(db, input.url, sealed))) {
      throw new HttpError(400, 'validation_failed', 'Invalid request body: secret: a new webhook needs a secret to sign its calls with', [
        { field: 'secret', message: 'a new webhook needs a secret to sign its calls with' },
      ]);
    }
    logger.info('webhook.settings_set', `Instance webhook set to ${new URL(input.url).host}`, { secretChanged: input.secret !== undefined });
    res.json({ webhook: await getSettingsWebhook(db) });
  });

  router.delete('/settings', webhooksFromBrowserOnly, async (_req, res) => {
    await deleteSettingsWebhook(db);
    logger.info('webhook.settings_removed', 'Instance webhook removed');
    res.status(204).end();
  });

  router.get('/deliveries', async (_req, res) => {
    res.json({ items: await listDeliveries(db, DELIVERY_LOG_SIZE) });
  });

  /** The same body (and delivery id) once more, through a new workflow: for a receiver that missed it. */
  router.post('/deliveries/:id/redeliver', webhooksFromBrowserOnly, async (req, res) => {
    const id = parseOrThrow(deliveryIdSchema, req.params.id, 'id');
    const row = await getDelivery(db, id);
    if (!row) throw notFound('Webhook delivery');
    if (row.status === 'pending' || row.status === 'retrying') throw new HttpError(409, 'conflict', 'This delivery is still being attempted');
    const workflowId = `${deliveryWorkflowId(id)}-redeliver-${Date.now()}`;
    await restartDelivery(db, id, workflowId);
    await startDelivery(deps.temporal, id, workflowId);
    logger.info('webhook.redeliver', `Webhook ${row.event} redelivery started`, { deliveryId: id });
    res.status(202).json({ id, status: 'pending' });
  });

  return router;
}
