import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { desc, eq } from 'drizzle-orm';
import { getGenerationRow } from '../../db/repositories/generations';
import { getTrainingRow } from '../../db/repositories/trainings';
import { loras } from '../../db/schema';
import {
  findWebhookEndpoint,
  getDelivery,
  insertDelivery,
  listWebhookEndpoints,
  markDeliveryFailed,
  recordAttempt,
} from '../../db/repositories/webhooks';
import type { WebhookEvent, WebhookJob, WebhookPayload } from '../../lib/contracts/webhooks';
import { CONTROL_QUEUE } from '../../lib/temporal/queues';
import { openSecret } from '../../lib/webhooks/secret-box';
import { SIGNATURE_HEADER, signatureHeader } from '../../lib/webhooks/signature';
import type { ControlContext } from './context';

/** A delivery the receiver refused for good (a 4xx other than 408 and 429, or the endpoint is gone): not retried. */
export const WEBHOOK_REFUSED = 'WebhookRefused';
const ATTEMPT_TIMEOUT_MS = 10_000;

/** The same (job, event, endpoint) always gives the same delivery: a job end announced twice is delivered once. */
export function deliveryIdOf(jobId: string, event: WebhookEvent, endpoint: string): string {
  return `whd_${createHash('sha256').update(`${jobId}\n${event}\n${endpoint}`).digest('hex').slice(0, 32)}`;
}

export const deliveryWorkflowId = (deliveryId: string) => `webhook-${deliveryId}`;

/**
 * What announcing needs: inside an activity, its context (the activity's own Temporal client is used); elsewhere (the
 * job reconciler, which closes the rows of jobs whose workflows are gone), a client too.
 */
export type AnnounceDeps = Pick<ControlContext, 'db' | 'logger'> & { client?: Client };

/**
 * Announces a job's end to every webhook endpoint: one row and one `deliverWebhook` workflow each, both keyed by
 * the delivery id, so an activity retried (or a job end recorded again after a restart) starts nothing new.
 * Called by the control activity that records the job's final status, inside that activity.
 */
export async function announceJobEnd(ctx: AnnounceDeps, event: WebhookEvent, job: WebhookJob, jobKey = job.id): Promise<void> {
  const endpoints = await listWebhookEndpoints(ctx.db);
  if (endpoints.length === 0) return;
  const client = ctx.client ?? Context.current().client;
  for (const endpoint of endpoints) {
    const id = deliveryIdOf(jobKey, event, endpoint.endpoint);
    const workflowId = deliveryWorkflowId(id);
    const payload: WebhookPayload = { id, event, occurredAt: new Date().toISOString(), job };
    if (await insertDelivery(ctx.db, { id, event, endpoint: endpoint.endpoint, url: endpoint.url, jobId: job.id, body: JSON.stringify(payload), workflowId })) {
      ctx.logger.info('webhook.queued', `Webhook ${event} queued for ${new URL(endpoint.url).host}`, { deliveryId: id, jobId: job.id, endpoint: endpoint.endpoint });
    }
    await startDelivery(client, id, workflowId);
  }
}

const TRAINING_EVENTS = { completed: 'training.finished', failed: 'training.failed', stopped: 'training.stopped' } as const;

/** A training run has ended (its final status is written). */
export async function announceTrainingEnd(ctx: AnnounceDeps, input: { runId: string; status: keyof typeof TRAINING_EVENTS; message: string }): Promise<void> {
  const run = await getTrainingRow(ctx.db, input.runId);
  const [lora] = await ctx.db.select({ id: loras.id }).from(loras).where(eq(loras.trainingRunId, input.runId)).orderBy(desc(loras.createdAt)).limit(1);
  const links: Record<string, string> = { self: `/api/trainings/${input.runId}` };
  if (lora) links.lora = `/api/loras/${lora.id}`;
  await announceJobEnd(ctx, TRAINING_EVENTS[input.status], {
    kind: 'training',
    id: input.runId,
    status: input.status,
    characterId: run?.characterId,
    loraId: lora?.id,
    message: input.message,
    links,
  });
}

const GENERATION_ENDINGS = ['completed', 'failed', 'cancelled'] as const;

/** A generation has ended (its final status is written). */
export async function announceGenerationEnd(
  ctx: AnnounceDeps,
  input: { generationId: string; status: 'completed' | 'failed' | 'cancelled'; message?: string },
): Promise<void> {
  const row = await getGenerationRow(ctx.db, input.generationId);
  // The row has the last word: a retried activity, or a cancel that won the race, may have ended it otherwise.
  const status = row && (GENERATION_ENDINGS as readonly string[]).includes(row.status) ? (row.status as typeof input.status) : input.status;
  await announceJobEnd(ctx, `generation.${status}`, {
    kind: 'generation',
    id: input.generationId,
    status,
    characterId: row?.characterId ?? undefined,
    loraId: row?.loraId ?? undefined,
    message: input.message,
    links: { self: `/api/generations/${input.generationId}` },
  });
}

/**
 * A model download has ended. Its workflow id is the same for every download of a model, so the Temporal run id
 * tells one download's end from the next one's.
 */
export async function announceModelDownloadEnd(ctx: ControlContext, input: { modelId: string; outcome: 'completed' | 'failed'; message?: string }): Promise<void> {
  const execution = Context.current().info.workflowExecution;
  const jobKey = execution ? `${execution.workflowId}/${execution.runId}` : input.modelId;
  await announceJobEnd(
    ctx,
    input.outcome === 'completed' ? 'model-download.finished' : 'model-download.failed',
    { kind: 'model-download', id: input.modelId, status: input.outcome, message: input.message, links: { self: `/api/models/${input.modelId}` } },
    jobKey,
  );
}

/** Starts a delivery's workflow; one that exists (running or ended) under this id is left as it is. */
export async function startDelivery(client: Client, deliveryId: string, workflowId: string): Promise<void> {
  try {
    await client.workflow.start('deliverWebhook', {
      taskQueue: CONTROL_QUEUE,
      workflowId,
      args: [{ deliveryId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    // Temporal away for a moment: the job-end activity is retried (its writes are idempotent), never failed by this.
    throw ApplicationFailure.retryable(`The webhook delivery could not be started: ${(err as Error).message}`, 'WebhookNotStarted');
  }
}

/** Why a call did not land, in words for the delivery log. */
function describeNetworkError(err: unknown): string {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError') return `No answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  const cause = error.cause;
  if (cause?.code === 'ECONNREFUSED') return 'Connection refused (is the receiver running?)';
  if (cause?.code === 'ENOTFOUND') return 'The host name does not resolve';
  return cause?.message ?? error.message;
}

export function createWebhookActivities(ctx: ControlContext) {
  return {
    /**
     * One attempt at one delivery: a POST of the stored body, signed now. 2xx: delivered. 408, 429, 5xx or no
     * answer: retried by the workflow's policy. Any other answer, or an endpoint removed meanwhile: given up.
     */
    async deliverWebhook(input: { deliveryId: string }): Promise<{ responseCode: number }> {
      const row = await getDelivery(ctx.db, input.deliveryId);
      if (!row) throw ApplicationFailure.nonRetryable('The delivery record is gone', WEBHOOK_REFUSED);
      if (row.status === 'delivered') return { responseCode: row.responseCode ?? 200 };
      const endpoint = await findWebhookEndpoint(ctx.db, row.endpoint);
      const secret = endpoint && openSecret(ctx.config.storage.root, endpoint.secretSealed);
      if (!endpoint || !secret) {
        const reason = endpoint ? 'The webhook secret cannot be read: set it again' : 'The webhook was removed (or its API token revoked)';
        await recordAttempt(ctx.db, row.id, { status: 'failed', responseCode: null, error: reason });
        throw ApplicationFailure.nonRetryable(reason, WEBHOOK_REFUSED);
      }
      const timestamp = Math.floor(Date.now() / 1000);
      let response: Response;
      try {
        response = await fetch(row.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Isengard-Webhooks/1',
            [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, row.body),
            'Isengard-Delivery': row.id,
            'Isengard-Event': row.event,
          },
          body: row.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        await response.body?.cancel();
      } catch (err) {
        const error = describeNetworkError(err);
        await recordAttempt(ctx.db, row.id, { status: 'retrying', responseCode: null, error });
        ctx.logger.warn('webhook.attempt_failed', `Webhook ${row.event} not delivered: ${error}`, { deliveryId: row.id });
        throw ApplicationFailure.retryable(error, 'WebhookUnreachable');
      }
      const code = response.status;
      if (code >= 200 && code < 300) {
        await recordAttempt(ctx.db, row.id, { status: 'delivered', responseCode: code, error: null });
        ctx.logger.info('webhook.delivered', `Webhook ${row.event} delivered (${code})`, { deliveryId: row.id, responseCode: code });
        return { responseCode: code };
      }
      const retryable = code === 408 || code === 429 || code >= 500;
      const error = code >= 300 && code < 400 ? `Answered ${code}: redirects are not followed` : `Answered ${code}`;
      await recordAttempt(ctx.db, row.id, { status: retryable ? 'retrying' : 'failed', responseCode: code, error });
      ctx.logger.warn('webhook.attempt_failed', `Webhook ${row.event} not delivered: ${error}`, { deliveryId: row.id, responseCode: code });
      if (retryable) throw ApplicationFailure.retryable(error, 'WebhookRetry');
      throw ApplicationFailure.nonRetryable(`${error}: given up`, WEBHOOK_REFUSED);
    },

    /** The retries ran out (24 h): the log says failed until someone redelivers. */
    async webhookGaveUp(input: { deliveryId: string; reason: string }): Promise<void> {
      await markDeliveryFailed(ctx.db, input.deliveryId, input.reason);
      ctx.logger.warn('webhook.failed', `Webhook delivery given up: ${input.reason}`, { deliveryId: input.deliveryId });
    },
  };
}
