import { setTimeout as sleep } from 'node:timers/promises';
import { and, count, inArray, notInArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generations } from '../../db/schema';
import type { Generation } from '../../lib/contracts/generations';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';

const USERS = ['user-1', 'user-2', 'user-3', 'user-4', 'user-5'] as const;
const FIRST_USER_JOBS = 150;
const OTHER_USER_JOBS = 50 / 4; // 12 or 13 each: 200 jobs in all

/**
 * Many people at once: 50 clients browsing while 200 generations from 5 users (API tokens) queue for one GPU.
 * Nothing fails, and the queue is fair: the user who queued 150 first does not make the others wait for all of them.
 */
describe('load: 50 browsing clients and 200 queued generations from 5 users', () => {
  let stack: TestStack;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    stack = await startTestStack({ env: { AUTH: 'on', ISENGARD_PASSWORD: 'load test password', ISENGARD_SIM_COMFY_STEP_MS: '0' } });
    // The GPU worker in its own process, as in production: this process is the control plane.
    await stack.spawnGpuWorker('gpu-load');
    const login = await request<{ csrfToken: string }>(stack, '/api/auth/login', { method: 'POST', body: { password: 'load test password' } });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    for (const user of USERS) {
      const created = await request<{ token: string }>(stack, '/api/auth/tokens', {
        method: 'POST',
        headers: { cookie, 'X-CSRF-Token': login.body.csrfToken },
        body: { name: user },
      });
      tokens[user] = created.body.token;
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves everyone without errors and shares the GPU fairly', { timeout: 720_000 }, async () => {
    const as = (user: string) => ({ authorization: `Bearer ${tokens[user]}` });
    const submit = async (user: string, i: number) => {
      const res = await request<Generation>(stack, '/api/generations', { method: 'POST', headers: as(user), body: { prompt: `${user} ${i}`, steps: 1, seed: i, width: 256, height: 256 } });
      expect(res.status).toBe(202);
      return { user, id: res.body.id };
    };

    // Browsing clients keep reading pages while the queue drains.
    const stopBrowsing = new AbortController();
    let reads = 0;
    const failures: string[] = [];
    const pages = ['/api/generations?limit=24', '/api/characters', '/api/health', '/api/capabilities'];
    // Each client reads a page about once a second, as an open browser tab polling for progress does: these pauses
    // are the load being simulated, not waits for something (the last one ends as soon as browsing stops).
    const pause = (ms: number) => sleep(ms, undefined, { signal: stopBrowsing.signal }).catch(() => {});
    const browsers = Array.from({ length: 50 }, async (_, n) => {
      await pause(n * 20);
      while (!stopBrowsing.signal.aborted) {
        const path = pages[(n + reads) % pages.length]!;
        try {
          const res = await fetch(`${stack.plane.url}${path}`, { headers: as(USERS[n % USERS.length]!) });
          await res.arrayBuffer();
          if (res.status !== 200) failures.push(`${path} → ${res.status}`);
          reads++;
        } catch (err) {
          failures.push(`${path} → ${(err as Error).message}`);
        }
        await pause(1_000);
      }
    });

    const memory = [process.memoryUsage().rss];
    const jobs: Array<{ user: string; id: string }> = [];
    for (let i = 0; i < FIRST_USER_JOBS; i++) jobs.push(await submit(USERS[0], i));
    for (let i = 0; i < Math.ceil(OTHER_USER_JOBS); i++) {
      for (const user of USERS.slice(1)) if (jobs.length < 200) jobs.push(await submit(user, i));
    }
    expect(jobs).toHaveLength(200);

    // Watch the queue drain from the database (asking the API for 200 jobs every poll would itself be the load).
    const ids = jobs.map((j) => j.id);
    let unfinished = jobs.length;
    await eventually(
      async () => {
        const [row] = await stack.db.db
          .select({ n: count() })
          .from(generations)
          .where(and(inArray(generations.id, ids), notInArray(generations.status, ['completed', 'failed', 'cancelled'])));
        unfinished = row!.n;
        memory.push(process.memoryUsage().rss);
        return unfinished === 0 ? true : undefined;
      },
      600_000,
      () => `the queue to drain (${unfinished} of ${jobs.length} not finished)`,
      1_000,
    );
    const finished = await Promise.all(jobs.map(async (job) => ({ ...job, generation: (await request<Generation>(stack, `/api/generations/${job.id}`, { headers: as(job.user) })).body })));
    stopBrowsing.abort();
    await Promise.all(browsers);

    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(200);
    // Bounded memory: the control plane (API + control worker, in this process) grows by less than 300 MB.
    expect(Math.max(...memory) - memory[0]!).toBeLessThan(300 * 1024 * 1024);
    expect(finished.filter((j) => j.generation.status !== 'completed')).toEqual([]);

    // Fair order: once the others queued, the first user's backlog did not make them wait for all 150 of its jobs.
    const byStart = [...finished].sort((a, b) => Date.parse(a.generation.startedAt!) - Date.parse(b.generation.startedAt!));
    const lastOther = byStart.map((j) => j.user).lastIndexOf(USERS[4]!);
    const firstUserAfterOthers = byStart.slice(lastOther + 1).filter((j) => j.user === USERS[0]).length;
    expect(firstUserAfterOthers).toBeGreaterThanOrEqual(30);
  });
});
