import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control';
import { CONTROL_QUEUE } from '../lib/temporal/queues';
import { describeFailure } from './failures';

export interface DeliverWebhookInput {
  deliveryId: string;
}

/**
 * Each attempt POSTs within 10 s (a minute for the activity as a whole); failures back off from 10 s, doubling up to
 * an hour between attempts, for 24 hours. A refusal for good (WebhookRefused) is not retried.
 */
const attempts = proxyActivities<ControlActivities>({
  taskQueue: CONTROL_QUEUE,
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', nonRetryableErrorTypes: ['WebhookRefused'] },
});

const bookkeeping = proxyActivities<ControlActivities>({
  taskQueue: CONTROL_QUEUE,
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Delivers one webhook call (issue 24): durable, so a control plane restart neither loses nor repeats it. Its
 * workflow id comes from the delivery id (job, event, endpoint), so the same job end never starts two.
 */
export async function deliverWebhook(input: DeliverWebhookInput): Promise<{ delivered: boolean }> {
  try {
    await attempts.deliverWebhook(input);
    return { delivered: true };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const refused = err.cause instanceof ApplicationFailure && err.cause.type === 'WebhookRefused';
    await bookkeeping.webhookGaveUp({ deliveryId: input.deliveryId, reason: refused ? describeFailure(err) : `Not delivered within 24 hours: ${describeFailure(err)}` });
    return { delivered: false };
  }
}
