import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { WebhookDelivery, WebhookEndpoint, WebhookEvent } from '../../lib/contracts/webhooks';
import type { Database } from '../client';
import { apiTokens, settings, webhookDeliveries } from '../schema';

const SETTINGS_KEY = 'webhook';
export const SETTINGS_ENDPOINT = 'settings';
const TOKEN_ENDPOINT = 'token:';

/** A webhook target as the delivery needs it: the secret still sealed. */
export interface StoredEndpoint {
  /** `settings` or `token:<api token id>`. */
  endpoint: string;
  url: string;
  secretSealed: string;
}

interface StoredSettingsWebhook {
  url: string;
  secretSealed: string;
}

function isStoredSettingsWebhook(value: unknown): value is StoredSettingsWebhook {
  return typeof value === 'object' && value !== null && typeof (value as StoredSettingsWebhook).url === 'string' && typeof (value as StoredSettingsWebhook).secretSealed === 'string';
}

async function settingsWebhook(db: Database): Promise<StoredSettingsWebhook | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.key, SETTINGS_KEY));
  return isStoredSettingsWebhook(row?.value) ? row.value : undefined;
}

export async function getSettingsWebhook(db: Database): Promise<WebhookEndpoint | null> {
  const stored = await settingsWebhook(db);
  return stored ? { url: stored.url, hasSecret: true } : null;
}

/** Sets the instance-wide webhook; without a new sealed secret the stored one stays (false: there is none yet). */
export async function setSettingsWebhook(db: Database, url: string, secretSealed: string | undefined): Promise<boolean> {
  const sealed = secretSealed ?? (await settingsWebhook(db))?.secretSealed;
  if (!sealed) return false;
  const value = { url, secretSealed: sealed } satisfies StoredSettingsWebhook;
  await db
    .insert(settings)
    .values({ key: SETTINGS_KEY, value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
  return true;
}

export async function deleteSettingsWebhook(db: Database): Promise<void> {
  await db.delete(settings).where(eq(settings.key, SETTINGS_KEY));
}

/**
 * Sets (or, with a null url, removes) a live API token's webhook. Without a new sealed secret the stored one stays.
 * Answers 'missing' for a token that does not exist or is revoked, 'no_secret' when a secret is needed and absent.
 */
export async function setTokenWebhook(
  db: Database,
  tokenId: string,
  url: string | null,
  secretSealed: string | undefined,
): Promise<'ok' | 'missing' | 'no_secret'> {
  const [row] = await db
    .select({ sealed: apiTokens.webhookSecretSealed })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)));
  if (!row) return 'missing';
  const sealed = url === null ? null : (secretSealed ?? row.sealed);
  if (url !== null && !sealed) return 'no_secret';
  await db.update(apiTokens).set({ webhookUrl: url, webhookSecretSealed: sealed }).where(eq(apiTokens.id, tokenId));
  return 'ok';
}

/** Every endpoint that hears job ends now: the instance-wide one and those of live, unexpired API tokens. */
export async function listWebhookEndpoints(db: Database, now = new Date()): Promise<StoredEndpoint[]> {
  const out: StoredEndpoint[] = [];
  const instance = await settingsWebhook(db);
  if (instance) out.push({ endpoint: SETTINGS_ENDPOINT, url: instance.url, secretSealed: instance.secretSealed });
  const tokens = await db
    .select()
    .from(apiTokens)
    .where(and(isNull(apiTokens.revokedAt), isNotNull(apiTokens.webhookUrl), isNotNull(apiTokens.webhookSecretSealed)));
  for (const token of tokens) {
    if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) continue;
    out.push({ endpoint: `${TOKEN_ENDPOINT}${token.id}`, url: token.webhookUrl!, secretSealed: token.webhookSecretSealed! });
  }
  return out;
}

/** One endpoint as it is now, or undefined when it was removed (its token revoked or its webhook taken away). */
export async function findWebhookEndpoint(db: Database, endpoint: string): Promise<StoredEndpoint | undefined> {
  const all = await listWebhookEndpoints(db);
  return all.find((e) => e.endpoint === endpoint);
}

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Records a delivery about to start; false: it exists already (the same job end announced again). */
export async function insertDelivery(
  db: Database,
  row: { id: string; event: WebhookEvent; endpoint: string; url: string; jobId: string; body: string; workflowId: string },
): Promise<boolean> {
  const inserted = await db.insert(webhookDeliveries).values(row).onConflictDoNothing({ target: webhookDeliveries.id }).returning({ id: webhookDeliveries.id });
  return inserted.length > 0;
}

export async function getDelivery(db: Database, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  return row;
}

/** One attempt's outcome: counts it, and keeps its response code and error for the log. */
export async function recordAttempt(
  db: Database,
  id: string,
  outcome: { status: 'delivered' | 'retrying' | 'failed'; responseCode: number | null; error: string | null },
): Promise<void> {
  const now = new Date();
  await db
    .update(webhookDeliveries)
    .set({
      status: outcome.status,
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      responseCode: outcome.responseCode,
      lastError: outcome.error,
      lastAttemptAt: now,
      ...(outcome.status === 'delivered' ? { deliveredAt: now } : {}),
    })
    .where(eq(webhookDeliveries.id, id));
}

/** The delivery ran out of attempts or time: it stays `failed` until someone redelivers it. */
export async function markDeliveryFailed(db: Database, id: string, reason: string): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: 'failed', lastError: sql`coalesce(${webhookDeliveries.lastError}, ${reason})` })
    .where(and(eq(webhookDeliveries.id, id), sql`${webhookDeliveries.status} <> 'delivered'`));
}

/** A redelivery starts: the same body, a new workflow. */
export async function restartDelivery(db: Database, id: string, workflowId: string): Promise<void> {
  await db.update(webhookDeliveries).set({ status: 'pending', workflowId, deliveredAt: null }).where(eq(webhookDeliveries.id, id));
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export async function listDeliveries(db: Database, limit = 50): Promise<WebhookDelivery[]> {
  const rows = await db.select().from(webhookDeliveries).orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id)).limit(limit);
  return rows.map((row) => ({
    id: row.id,
    event: row.event as WebhookEvent,
    endpoint: row.endpoint,
    targetHost: hostOf(row.url),
    jobId: row.jobId,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    responseCode: row.responseCode,
    createdAt: row.createdAt.toISOString(),
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  }));
}
