import { describe, expect, it } from 'vitest';
import { LoginRateLimit, LoginThrottle } from './rate-limit';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('LoginRateLimit', () => {
  it('lets five failures through, then doubles the wait up to a cap of a few minutes', () => {
    const time = clock();
    const limit = new LoginRateLimit({ now: time.now });
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      expect(limit.waitFor('k')).toBe(0);
      limit.attempt('k');
      waits.push(limit.waitFor('k'));
      time.advance(limit.waitFor('k'));
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000]);
    limit.attempt('k');
    expect(limit.waitFor('k')).toBe(300_000);
    time.advance(300_000);
    limit.attempt('k');
    expect(limit.waitFor('k')).toBe(300_000);
  });

  it('never locks for good: once the wait is over the next attempt may be made', () => {
    const time = clock();
    const limit = new LoginRateLimit({ now: time.now });
    for (let i = 0; i < 100; i++) {
      limit.attempt('k');
      time.advance(limit.waitFor('k'));
    }
    expect(limit.waitFor('k')).toBe(0);
    limit.succeeded('k');
    limit.attempt('k');
    expect(limit.waitFor('k')).toBe(0);
  });

  it('forgets a key an hour after its last attempt', () => {
    const time = clock();
    const limit = new LoginRateLimit({ now: time.now });
    for (let i = 0; i < 8; i++) limit.attempt('k');
    time.advance(60 * 60_000 + 1);
    limit.attempt('k');
    expect(limit.waitFor('k')).toBe(0);
  });

  it('remembers a bounded number of keys, dropping the least recently used', () => {
    const limit = new LoginRateLimit({ maxKeys: 3, freeAttempts: 0 });
    for (const key of ['a', 'b', 'c']) limit.attempt(key);
    limit.attempt('a');
    limit.attempt('d');
    expect(limit.waitFor('b')).toBe(0);
    for (const key of ['a', 'c', 'd']) expect(limit.waitFor(key)).toBeGreaterThan(0);
  });
});

describe('LoginThrottle', () => {
  it('bounds guessing per account whatever the address, and refused attempts count nothing', () => {
    const time = clock();
    const throttle = new LoginThrottle({ now: time.now });
    const started = [];
    for (let i = 0; i < 40; i++) started.push(throttle.begin(`10.0.0.${i}`, 'admin'));
    expect(started.filter((s) => s.waitMs === 0)).toHaveLength(6);
    expect(started[6]).toEqual({ waitMs: 1_000, by: ['account'] });
    // The 34 refused attempts did not make the wait longer.
    time.advance(1_000);
    expect(throttle.begin('10.0.0.99', 'admin').waitMs).toBe(0);
    expect(throttle.begin('10.0.0.99', 'admin')).toEqual({ waitMs: 2_000, by: ['account'] });
  });

  it('counts an attempt when it starts, so a burst sent at once cannot slip past', () => {
    const throttle = new LoginThrottle();
    const burst = Array.from({ length: 100 }, () => throttle.begin('192.0.2.1', 'admin'));
    expect(burst.filter((s) => s.waitMs === 0)).toHaveLength(6);
    expect(burst[99]!.by).toEqual(['address', 'account']);
  });

  it('lets the rightful owner in once the wait is over, even from the attacker’s address, and a success clears both keys', () => {
    const time = clock();
    const throttle = new LoginThrottle({ now: time.now });
    for (let i = 0; i < 30; i++) {
      throttle.begin('proxy', 'admin');
      time.advance(Math.max(throttle.byAddress.waitFor('proxy'), throttle.byAccount.waitFor('admin')));
    }
    expect(throttle.byAccount.waitFor('admin')).toBe(0);
    // The owner's try starts (and, the password being right, succeeds).
    expect(throttle.begin('proxy', 'admin').waitMs).toBe(0);
    throttle.succeeded('proxy', 'admin');
    for (let i = 0; i < 5; i++) expect(throttle.begin('proxy', 'admin').waitMs).toBe(0);
  });
});
