import { z } from 'zod';
import { storable } from './text';

/** What a webhook announces: the end of a training, a generation or a model download. */
export const WEBHOOK_EVENTS = [
  'training.finished',
  'training.failed',
  'training.stopped',
  'generation.completed',
  'generation.failed',
  'generation.cancelled',
  'model-download.finished',
  'model-download.failed',
] as const;
export const webhookEventSchema = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

export const WEBHOOK_SECRET_LENGTH = { min: 16, max: 200 } as const;

/**
 * A webhook target: http or https, no user name or password in it (the secret signs the calls instead). Loopback and
 * private addresses are allowed: only the logged-in owner sets a webhook (design §9), and a receiver on the same
 * machine is the common case for scripts.
 */
export const webhookUrlSchema = z
  .string({ error: 'url must be text' })
  .trim()
  .max(2000, 'A webhook URL can be at most 2000 characters')
  .check(storable())
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'The webhook URL must be an http:// or https:// address without a user name or password in it');

export const webhookSecretSchema = z
  .string({ error: 'secret must be text' })
  .min(WEBHOOK_SECRET_LENGTH.min, `A webhook secret needs at least ${WEBHOOK_SECRET_LENGTH.min} characters`)
  .max(WEBHOOK_SECRET_LENGTH.max, `A webhook secret can be at most ${WEBHOOK_SECRET_LENGTH.max} characters`)
  .check(storable());

/**
 * Sets a webhook: its URL and the secret that signs its calls. The secret is never shown again; left out when an
 * endpoint is edited, the one stored stays.
 */
export const webhookInput = z.strictObject({
  url: webhookUrlSchema,
  secret: webhookSecretSchema.optional(),
});
export type WebhookInput = z.infer<typeof webhookInput>;

/** A webhook as lists show it: the URL, and whether a secret is set (never the secret). */
export const webhookEndpointSchema = z.object({
  url: z.string(),
  hasSecret: z.boolean(),
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

/** The instance-wide webhook (`GET /api/webhooks/settings`): null when none is set. */
export const webhookSettingsSchema = z.object({ webhook: webhookEndpointSchema.nullable() });
export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'retrying', 'failed'] as const;

/** One line of the delivery log on the System page. */
export const webhookDeliverySchema = z.object({
  id: z.string(),
  event: webhookEventSchema,
  /** `settings` (the instance-wide webhook) or `token:<id>` (an API token's). */
  endpoint: z.string(),
  targetHost: z.string(),
  jobId: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.int(),
  lastError: z.string().nullable(),
  responseCode: z.int().nullable(),
  createdAt: z.iso.datetime(),
  lastAttemptAt: z.iso.datetime().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryListSchema = z.object({ items: z.array(webhookDeliverySchema) });

/** The kind of job an event is about, with its ids, its final status and where to read it in the API. */
export const webhookJobSchema = z.object({
  kind: z.enum(['training', 'generation', 'model-download']),
  id: z.string(),
  status: z.string(),
  characterId: z.string().optional(),
  loraId: z.string().optional(),
  message: z.string().optional(),
  links: z.record(z.string(), z.string()),
});
export type WebhookJob = z.infer<typeof webhookJobSchema>;

/** The body of every webhook call; `id` is the delivery's, the same on every retry and redelivery. */
export const webhookPayloadSchema = z.object({
  id: z.string(),
  event: webhookEventSchema,
  occurredAt: z.iso.datetime(),
  job: webhookJobSchema,
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
