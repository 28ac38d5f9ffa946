import { describe, expect, it } from 'vitest';
import { newCorrelationId } from './correlation-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newCorrelationId', () => {
  it('uses crypto.randomUUID when the page is a secure context', () => {
    const id = newCorrelationId({ randomUUID: () => 'from-random-uuid', getRandomValues: () => undefined });
    expect(id).toBe('from-random-uuid');
  });

  it('builds a valid UUID v4 from getRandomValues on plain-http origins', () => {
    const insecure = { getRandomValues: (array: Uint8Array<ArrayBuffer>) => crypto.getRandomValues(array) };
    const ids = Array.from({ length: 50 }, () => newCorrelationId(insecure));
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('still answers without any crypto at all', () => {
    expect(newCorrelationId(undefined)).toMatch(UUID_V4);
  });
});
