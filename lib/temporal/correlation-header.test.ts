import { describe, expect, it } from 'vitest';
import { CORRELATION_HEADER_KEY, correlationFromHeaders, withCorrelationHeader } from './correlation-header';

describe('correlation header', () => {
  it('round-trips an id through Temporal headers without touching the others', () => {
    const headers = withCorrelationHeader({ other: { data: new Uint8Array([1]) } }, 'req-9');
    expect(Object.keys(headers).sort()).toEqual([CORRELATION_HEADER_KEY, 'other']);
    expect(correlationFromHeaders(headers)).toBe('req-9');
  });

  it('adds nothing without an id, and reads nothing from foreign or broken headers', () => {
    expect(withCorrelationHeader({}, undefined)).toEqual({});
    expect(correlationFromHeaders(undefined)).toBeUndefined();
    expect(correlationFromHeaders({ [CORRELATION_HEADER_KEY]: { metadata: {}, data: new Uint8Array([0xff]) } })).toBeUndefined();
  });
});
