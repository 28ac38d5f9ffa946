import { describe, expect, it } from 'vitest';
import { PerMinuteLimit } from './per-minute-limit';

describe('PerMinuteLimit (browser error reports)', () => {
  it('allows `limit` events per key in any rolling minute and says how long to wait', () => {
    let now = 0;
    const limit = new PerMinuteLimit(3, 100, () => now);
    expect([0, 1, 2].map(() => limit.take('a'))).toEqual([0, 0, 0]);
    now = 20_000;
    expect(limit.take('a')).toBe(40);
    expect(limit.take('b')).toBe(0); // another browser: its own budget
    now = 60_000;
    expect(limit.take('a')).toBe(0); // the first three are a minute old
  });

  it('remembers a bounded number of keys, dropping the least recently used', () => {
    const now = 0;
    const limit = new PerMinuteLimit(1, 2, () => now);
    limit.take('a');
    limit.take('b');
    limit.take('c'); // 'a' is forgotten
    expect(limit.take('b')).toBeGreaterThan(0);
    expect(limit.take('a')).toBe(0);
  });
});
