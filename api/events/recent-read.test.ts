import { describe, expect, it } from 'vitest';
import { ChangeBus } from './change-bus';
import { RecentRead } from './recent-read';

function counter(fail = false) {
  let reads = 0;
  return {
    read: async () => {
      reads++;
      if (fail) throw new Error('database down');
      return reads;
    },
    reads: () => reads,
  };
}

describe('RecentRead', () => {
  it('reads once for the callers in a row, again after a job changed', async () => {
    const changes = new ChangeBus();
    const source = counter();
    const recent = new RecentRead(source.read, changes);
    expect(await Promise.all([recent.get(), recent.get()])).toEqual([1, 1]);
    expect(await recent.get()).toBe(1);
    changes.publish('generation-a');
    expect(await recent.get()).toBe(2);
    expect(source.reads()).toBe(2);
  });

  it('reads again once the value is older than the TTL', async () => {
    let now = 0;
    const source = counter();
    const recent = new RecentRead(source.read, new ChangeBus(), 1_000, () => now);
    expect(await recent.get()).toBe(1);
    now = 999;
    expect(await recent.get()).toBe(1);
    now = 1_000;
    expect(await recent.get()).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const source = counter(true);
    const recent = new RecentRead(source.read, new ChangeBus());
    await expect(recent.get()).rejects.toThrow('database down');
    await expect(recent.get()).rejects.toThrow('database down');
    expect(source.reads()).toBe(2);
  });
});
