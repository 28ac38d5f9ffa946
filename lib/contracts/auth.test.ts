import { describe, expect, it } from 'vitest';
import { apiTokenListSchema, createdApiTokenSchema, tokenInput } from './auth';

describe('tokenInput', () => {
  it('takes a name and an optional expiry of 1 to 3650 whole days', () => {
    expect(tokenInput.parse({ name: '  render farm ' })).toEqual({ name: 'render farm' });
    expect(tokenInput.parse({ name: 'ci', expiresInDays: 1 })).toEqual({ name: 'ci', expiresInDays: 1 });
    expect(tokenInput.parse({ name: 'ci', expiresInDays: 3650 })).toEqual({ name: 'ci', expiresInDays: 3650 });
    const problems = (value: unknown) => tokenInput.safeParse(value).error?.issues.map((i) => i.message);
    expect(problems({ name: 'ci', expiresInDays: 0 })).toEqual(['expiresInDays must be at least 1']);
    expect(problems({ name: 'ci', expiresInDays: 3651 })).toEqual(['expiresInDays can be at most 3650 (ten years)']);
    expect(problems({ name: 'ci', expiresInDays: 1.5 })).toEqual(['expiresInDays must be a whole number of days']);
    expect(problems({ name: 'ci', expiresInDays: '30' })).toEqual(['expiresInDays must be a whole number of days']);
    expect(problems({ name: 'ci', expiresAt: '2030-01-01' })).toHaveLength(1);
  });
});

describe('API token answers', () => {
  it('show the expiry, or null for a token that lives until revoked', () => {
    const token = {
      id: '00000000-0000-4000-8000-000000000000',
      name: 'ci',
      prefix: 'isg_abcdef',
      createdAt: '2030-01-01T00:00:00.000Z',
      lastUsedAt: null,
      expiresAt: '2030-01-31T00:00:00.000Z',
      webhookUrl: null,
    };
    expect(apiTokenListSchema.parse({ items: [token, { ...token, expiresAt: null }] }).items.map((t) => t.expiresAt)).toEqual(['2030-01-31T00:00:00.000Z', null]);
    expect(createdApiTokenSchema.safeParse({ ...token, token: 'isg_x' }).success).toBe(true);
    expect(apiTokenListSchema.safeParse({ items: [{ ...token, expiresAt: undefined }] }).success).toBe(false);
  });
});
