import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull, lt } from 'drizzle-orm';
import type { ApiToken, CreatedApiToken } from '../../lib/contracts/auth';
import type { Database } from '../client';
import { apiTokens, sessions, settings } from '../schema';

export const SESSION_DAYS = 14;
const ADMIN_PASSWORD = 'admin_password_hash';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');

export async function storedPasswordHash(db: Database): Promise<string | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.key, ADMIN_PASSWORD));
  return typeof row?.value === 'string' ? row.value : undefined;
}

/**
 * Stores the admin password chosen on the first visit, if none is stored yet: one atomic insert, so of two setups at
 * once exactly one wins. False: a password already exists (the other setup won, or another process's).
 */
export async function claimAdminPassword(db: Database, hash: string): Promise<boolean> {
  const rows = await db
    .insert(settings)
    .values({ key: ADMIN_PASSWORD, value: hash })
    .onConflictDoNothing({ target: settings.key })
    .returning({ key: settings.key });
  return rows.length > 0;
}

/** A new session: the raw token goes in the cookie, only its hash is stored. */
export async function createSession(db: Database): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = secret();
  const csrfToken = secret();
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 24 * 3600 * 1000);
  await db.insert(sessions).values({ tokenHash: sha256(token), csrfToken, expiresAt });
  return { token, csrfToken, expiresAt };
}

export async function findSession(db: Database, token: string) {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.tokenHash, sha256(token)), gt(sessions.expiresAt, new Date())));
  return row;
}

export async function deleteSession(db: Database, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, sha256(token)));
}

export async function deleteExpiredSessions(db: Database): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
}

function toInfo(row: typeof apiTokens.$inferSelect): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    webhookUrl: row.webhookUrl,
  };
}

/**
 * A new API token: shown once, stored as a hash, told apart in lists by its first characters. With `expiresInDays`
 * it stops working that many days from now; without, it works until revoked.
 */
export async function createApiToken(db: Database, name: string, expiresInDays?: number, now = new Date()): Promise<CreatedApiToken> {
  const token = `isg_${secret()}`;
  const expiresAt = expiresInDays === undefined ? null : new Date(now.getTime() + expiresInDays * 24 * 3600 * 1000);
  const [row] = await db.insert(apiTokens).values({ name, tokenHash: sha256(token), prefix: token.slice(0, 10), expiresAt }).returning();
  return { ...toInfo(row!), token };
}

/** The tokens not revoked, newest first; expired ones stay listed (with their expiry) until revoked. */
export async function listApiTokens(db: Database): Promise<ApiToken[]> {
  const rows = await db.select().from(apiTokens).where(isNull(apiTokens.revokedAt)).orderBy(desc(apiTokens.createdAt));
  return rows.map(toInfo);
}

export async function revokeApiToken(db: Database, id: string): Promise<boolean> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

/**
 * The token a script sent, if it exists and is not revoked, and whether it has expired. Only a token that still
 * works has its last use recorded.
 */
export async function findApiToken(db: Database, token: string, now = new Date()): Promise<{ id: string; name: string; expired: boolean } | undefined> {
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, sha256(token)), isNull(apiTokens.revokedAt)));
  if (!row) return undefined;
  const expired = row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();
  if (!expired) await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  return { id: row.id, name: row.name, expired };
}
