import { describe, expect, it } from 'vitest';
import { createKeyedLock, createLimiter } from './concurrency';

/** A task's work: one turn of the event loop (no time), so the tasks queued behind it are in place meanwhile. */
const tick = () => new Promise((r) => setImmediate(r));

describe('createLimiter', () => {
  it('runs at most n tasks at once, in order, and passes results and errors through', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      peak = Math.max(peak, ++running);
      await tick();
      running--;
      if (i === 3) throw new Error('three');
      return i * 10;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => limit(task(i))));
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 10, 20, 'three', 40]);
  });
});

describe('createKeyedLock', () => {
  it('serialises tasks of one key, even after a failure, and lets other keys run alongside', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
      if (fail) throw new Error(name);
    };
    await Promise.allSettled([lock('a', task('a1', true)), lock('a', task('a2')), lock('b', task('b1'))]);
    expect(log.indexOf('a1:end')).toBeLessThan(log.indexOf('a2:start'));
    expect(log.indexOf('b1:start')).toBeLessThan(log.indexOf('a1:end'));
  });
});
