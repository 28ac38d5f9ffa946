import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import type { DatabaseHandle } from '../client';
import { claimAdminPassword, createApiToken, findApiToken, listApiTokens, revokeApiToken, storedPasswordHash } from './auth';

describe.each(testDatabaseKinds())('auth records on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('lets exactly one of several simultaneous first-visit setups claim the admin password', async () => {
    const { db } = handle;
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimAdminPassword(db, `hash-${i}`)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = claims.indexOf(true);
    expect(await storedPasswordHash(db)).toBe(`hash-${winner}`);
    expect(await claimAdminPassword(db, 'later')).toBe(false);
    expect(await storedPasswordHash(db)).toBe(`hash-${winner}`);
  });

  it('API tokens: an optional expiry, shown in lists; an expired token is found as expired and not marked used', async () => {
    const { db } = handle;
    const now = new Date('2030-01-01T00:00:00.000Z');
    const forever = await createApiToken(db, 'forever');
    const month = await createApiToken(db, 'a month', 30, now);
    expect(forever.expiresAt).toBeNull();
    expect(month.expiresAt).toBe('2030-01-31T00:00:00.000Z');
    const listed = await listApiTokens(db);
    expect(listed.map((t) => [t.name, t.expiresAt])).toEqual(
      expect.arrayContaining([
        ['forever', null],
        ['a month', '2030-01-31T00:00:00.000Z'],
      ]),
    );
    expect(JSON.stringify(listed)).not.toContain(month.token);

    expect(await findApiToken(db, month.token, new Date('2030-01-30T23:59:59.000Z'))).toEqual({ id: month.id, name: 'a month', expired: false });
    const later = new Date('2030-01-31T00:00:00.000Z');
    expect(await findApiToken(db, month.token, later)).toEqual({ id: month.id, name: 'a month', expired: true });
    expect((await listApiTokens(db)).find((t) => t.id === month.id)?.lastUsedAt).toBe('2030-01-30T23:59:59.000Z');

    expect(await revokeApiToken(db, month.id)).toBe(true);
    expect(await findApiToken(db, month.token, now)).toBeUndefined();
    expect(await findApiToken(db, 'isg_never-made')).toBeUndefined();
  });
});
