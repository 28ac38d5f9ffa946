import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger/logger';
import type * as InternalReport from './internal-report';
import { MIN_GAP_MS, TrainingReporter } from './training-reporter';

/** Every report the reporter has posted (the real HTTP call, only watched), to wait until each has arrived. */
const { posts } = vi.hoisted(() => ({ posts: [] as Array<Promise<unknown>> }));
vi.mock('./internal-report', async (importOriginal) => {
  const real = await importOriginal<typeof InternalReport>();
  return {
    ...real,
    postReport: (...args: Parameters<typeof real.postReport>) => {
      const post = real.postReport(...args);
      posts.push(post);
      return post;
    },
  };
});

interface Received {
  body: { step?: number; losses?: Array<[number, number]>; events?: Array<{ kind: string }> };
}

let server: Server | undefined;
// The reporter's throttle and retry run on fake time (its timers and clock only); the HTTP exchange is real.
beforeEach(() => {
  posts.length = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
  return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A stand-in for the control plane's internal report route; `status` decides each answer. */
async function controlPlane(status: (n: number) => number = () => 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += String(d)));
    req.on('end', () => {
      const code = status(received.length);
      if (code === 200) received.push({ body: JSON.parse(text) as Received['body'] });
      res.writeHead(code, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function reporter(url: string): TrainingReporter {
  const logger = createLogger({ service: 'worker', level: 'ERROR' });
  const config = loadConfig({ CONTROL_PLANE_URL: url, ISENGARD_INTERNAL_TOKEN: 'test-internal-token' });
  return new TrainingReporter({ config, runId: 'run-1', workerId: 'w', attempt: 1, logger, onFenced: () => {} });
}

/**
 * Lets every report in flight reach the server and the reporter act on the answer, and fires what is due now; no
 * fake time passes. Repeats while that starts new reports.
 */
async function settle(): Promise<void> {
  for (let seen = -1; seen !== posts.length; ) {
    seen = posts.length;
    await Promise.allSettled(posts);
    await vi.advanceTimersByTimeAsync(0);
  }
}

describe('TrainingReporter', () => {
  it('sends the first step alone, then gathers what arrives meanwhile into fewer reports', async () => {
    const { url, received } = await controlPlane();
    const r = reporter(url);
    r.start();
    // The engine finishes a step every 50 ms (of fake time), each report arriving before the next step.
    for (let step = 1; step <= 12; step++) {
      r.update({ step, losses: [[step, 1 / step]] });
      await settle();
      await vi.advanceTimersByTimeAsync(50);
    }
    await r.close();
    // The first step goes out alone, at once; later ones are gathered (how soon is the benchmark's business).
    expect(received[0]!.body.step).toBe(1);
    expect(received.length).toBeLessThan(12);
    expect(received.at(-1)!.body.step).toBe(12);
    // Every loss point arrives once, in some report.
    expect(received.flatMap((r) => r.body.losses ?? []).map(([step]) => step)).toEqual([...Array(12).keys()].map((i) => i + 1));
  });

  it('keeps what failed to send and delivers it later, even when nothing new comes', async () => {
    const { url, received } = await controlPlane((n) => (n === 0 && !failedOnce++ ? 503 : 200));
    let failedOnce = 0;
    const r = reporter(url);
    r.start();
    r.update({ step: 5, events: [{ kind: 'notice', message: 'hello' }] });
    await settle();
    expect(posts).toHaveLength(1); // refused (503): kept for later
    expect(received).toHaveLength(0);
    // Nothing new comes; the retry sends it, and only once.
    await vi.advanceTimersByTimeAsync(10 * MIN_GAP_MS);
    await settle();
    await vi.advanceTimersByTimeAsync(10 * MIN_GAP_MS);
    await settle();
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toMatchObject({ step: 5, events: [{ kind: 'notice' }] });
    await r.close();
  });

  it('sends nothing before start, and what was updated goes first', async () => {
    const { url, received } = await controlPlane();
    const r = reporter(url);
    r.update({ events: [{ kind: 'retry', message: 'again' }] });
    await vi.advanceTimersByTimeAsync(10 * MIN_GAP_MS);
    await settle();
    expect(posts).toHaveLength(0);
    expect(received).toHaveLength(0);
    r.start();
    await settle();
    expect(received[0]!.body.events).toEqual([{ kind: 'retry', message: 'again' }]);
    await r.close();
  });
});
