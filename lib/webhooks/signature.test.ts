import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature';

describe('webhook signatures (Stripe style: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">)', () => {
  const secret = 'whsec-for-the-test-0123456789';
  const body = '{"id":"whd_1","event":"training.finished"}';
  const now = Date.UTC(2026, 0, 15, 10, 0, 0);
  const t = now / 1000;

  it('signs the timestamp and the body together, in the documented form', () => {
    // The same HMAC any language computes: HMAC-SHA256(secret, "1768471200." + body), hex.
    expect(signatureHeader(secret, t, body)).toBe('t=1768471200,v1=c808c2e1da1163328a17b35a033935e3e5e53be3cc90823df643df1380cfd3d0');
  });

  it('verifies a genuine call and refuses a changed body, another secret, a changed timestamp or an old call', () => {
    const header = signatureHeader(secret, t, body);
    expect(verifySignature(secret, header, body, 300, now)).toBe(true);
    expect(verifySignature(secret, header, body.replace('training', 'generation'), 300, now)).toBe(false);
    expect(verifySignature('another-secret-0123456789', header, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, now)).toBe(false);
    expect(verifySignature(secret, header, body, 300, now + 301_000)).toBe(false);
    expect(verifySignature(secret, 'garbage', body, 300, now)).toBe(false);
  });
});
