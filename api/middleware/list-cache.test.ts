import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { ListCache } from './list-cache';

/**
 * A tiny app over a "database" (a counter) with a list route behind the cache, a route that changes the data, and
 * a list whose computation can be held open to let writes happen meanwhile.
 */
async function appWith(cache: ListCache) {
  const state = { value: 0, reads: 0, arrived: 0, hold: undefined as Promise<void> | undefined };
  const app = express();
  app.use((req, _res, next) => {
    if (req.method === 'GET') state.arrived++;
    next();
  });
  app.use(cache.invalidateOnWrite);
  app.get('/list', cache.cached, async (req, res) => {
    state.reads++;
    const value = state.value;
    if (state.hold) await state.hold;
    if (req.query.missing) return res.status(404).json({ error: 'missing' });
    res.json({ value, query: req.query });
  });
  app.post('/write', (_req, res) => {
    state.value++;
    res.status(201).json({ value: state.value });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path = '/list', headers: Record<string, string> = {}) => {
    const response = await fetch(base + path, { headers });
    return { status: response.status, body: (await response.json()) as { value: number }, etag: response.headers.get('etag') };
  };
  const write = () => fetch(`${base}/write`, { method: 'POST' }).then((r) => r.json());
  return { state, get, write, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('ListCache', () => {
  let close: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('answers the same list again from memory, with the same body and ETag', async () => {
    const app = await appWith(new ListCache());
    close = app.close;
    const first = await app.get();
    const second = await app.get();
    expect(second).toEqual(first);
    expect(first.etag).toMatch(/^W\/".+"$/);
    expect(app.state.reads).toBe(1);
  });

  it('lets a client read its own write at once', async () => {
    const app = await appWith(new ListCache());
    close = app.close;
    expect((await app.get()).body.value).toBe(0);
    await app.write();
    expect((await app.get()).body.value).toBe(1);
    expect(app.state.reads).toBe(2);
  });

  it('never keeps an answer computed while something was written', async () => {
    const app = await appWith(new ListCache());
    close = app.close;
    let release!: () => void;
    app.state.hold = new Promise((resolve) => (release = resolve));
    const slow = app.get(); // reads value 0, then waits
    await expect.poll(() => app.state.reads, { timeout: 10_000, interval: 5 }).toBeGreaterThan(0);
    await app.write();
    app.state.hold = undefined;
    release();
    expect((await slow).body.value).toBe(0);
    expect((await app.get()).body.value).toBe(1);
  });

  it('makes concurrent readers of an uncached list wait for the first instead of each computing it', async () => {
    const app = await appWith(new ListCache());
    close = app.close;
    let release!: () => void;
    app.state.hold = new Promise((resolve) => (release = resolve));
    const readers = Array.from({ length: 10 }, () => app.get());
    // All ten are at the server while the first computes.
    await expect.poll(() => app.state.arrived, { timeout: 10_000, interval: 5 }).toBe(10);
    release();
    const answers = await Promise.all(readers);
    expect(answers.map((a) => a.body.value)).toEqual(Array(10).fill(0));
    expect(app.state.reads).toBe(1);
  });

  it('expires answers after its time to live (changes made by another process)', async () => {
    let now = 0;
    const app = await appWith(new ListCache(1_000, 10, () => now));
    close = app.close;
    await app.get();
    app.state.value = 5; // written elsewhere: nothing here invalidated
    now = 999;
    expect((await app.get()).body.value).toBe(0);
    now = 1_000;
    expect((await app.get()).body.value).toBe(5);
  });

  it('keeps each URL apart, query included, and skips the cache on Cache-Control: no-cache', async () => {
    const app = await appWith(new ListCache());
    close = app.close;
    await app.get('/list?page=1');
    await app.get('/list?page=2');
    await app.get('/list?page=1');
    expect(app.state.reads).toBe(2);
    await app.get('/list?page=1', { 'cache-control': 'no-cache' });
    expect(app.state.reads).toBe(3);
  });

  it('does not keep answers other than 200', async () => {
    const app = await appWith(new ListCache());
    close = app.close;
    expect((await app.get('/list?missing=1')).status).toBe(404);
    expect((await app.get('/list?missing=1')).status).toBe(404);
    expect(app.state.reads).toBe(2);
  });

  it('holds at most its number of entries', async () => {
    const app = await appWith(new ListCache(60_000, 2));
    close = app.close;
    for (const page of [1, 2, 3]) await app.get(`/list?page=${page}`);
    await app.get('/list?page=1'); // the oldest went to make room
    await app.get('/list?page=3');
    expect(app.state.reads).toBe(4);
  });
});
