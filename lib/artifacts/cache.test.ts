import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger/logger';
import { ArtifactCache } from './cache';

let root: string;
let clock: number;
let events: string[];

function logger() {
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) events.push((JSON.parse(line) as { event: string }).event);
      done();
    },
  });
  return createLogger({ service: 'worker', level: 'DEBUG', stream });
}

function openCache(limitBytes: number) {
  return new ArtifactCache({ root, indexFile: path.join(root, '.artifact-cache', 'index.json'), limitBytes, logger: logger(), now: () => ++clock });
}

function write(key: string, bytes: number) {
  const file = path.join(root, ...key.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.alloc(bytes, 1));
  return file;
}

const here = (key: string) => existsSync(path.join(root, ...key.split('/')));

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'isengard-cache-'));
  clock = 0;
  events = [];
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('ArtifactCache', () => {
  it('evicts the least recently used copies once over its limit, and only copies it recorded', async () => {
    const cache = openCache(250);
    write('loras/a', 100);
    await cache.record('loras/a', 'sha-a');
    write('loras/b', 100);
    await cache.record('loras/b', 'sha-b');
    write('training/r1/unpushed', 500);
    cache.touch('loras/a');
    write('loras/c', 100);
    await cache.record('loras/c', 'sha-c');

    expect(here('loras/b')).toBe(false);
    expect(here('loras/a')).toBe(true);
    expect(here('loras/c')).toBe(true);
    // Written here and not yet pushed: not the cache's to remove, whatever its size.
    expect(here('training/r1/unpushed')).toBe(true);
    expect(cache.totalBytes).toBe(200);
    expect(events).toContain('cache.evicted');

    await cache.makeRoom(200);
    expect(here('loras/a')).toBe(false);
    expect(here('loras/c')).toBe(false);
    expect(cache.totalBytes).toBe(0);
  });

  it('never evicts a held copy; a folder hold covers the files under it; over the limit it says so once', async () => {
    const cache = openCache(150);
    write('datasets/r1/1.png', 100);
    await cache.record('datasets/r1/1.png', 'sha-1');
    const release = cache.hold(['datasets/r1']);
    write('loras/a', 100);
    await cache.record('loras/a', 'sha-a');
    expect(here('datasets/r1/1.png')).toBe(true);
    expect(cache.totalBytes).toBe(200);
    expect(events.filter((event) => event === 'cache.over_limit')).toHaveLength(1);

    await cache.makeRoom(100);
    expect(here('datasets/r1/1.png')).toBe(true);
    expect(here('loras/a')).toBe(false);
    expect(events.filter((event) => event === 'cache.over_limit')).toHaveLength(1);

    release();
    release();
    await cache.makeRoom(100);
    expect(here('datasets/r1/1.png')).toBe(false);
  });

  it('keeps its index across a restart and checks a copy again before it trusts it', async () => {
    const first = openCache(1000);
    write('loras/a', 10);
    await first.record('loras/a', 'sha-a');
    expect(await first.knownToMatch('loras/a', 'sha-a')).toBe(true);
    expect(await first.knownToMatch('loras/a', 'sha-other')).toBe(false);
    await first.flush();

    const second = openCache(1000);
    expect(second.entry('loras/a')).toMatchObject({ key: 'loras/a', sizeBytes: 10, sha256: 'sha-a' });
    expect(second.totalBytes).toBe(10);
    // Not hashed by this process yet: the caller hashes it and records it again.
    expect(await second.knownToMatch('loras/a', 'sha-a')).toBe(false);
    await second.record('loras/a', 'sha-a');
    expect(await second.knownToMatch('loras/a', 'sha-a')).toBe(true);
  });

  it('does not trust or remove a copy changed since it was recorded', async () => {
    const cache = openCache(50);
    const file = write('loras/a', 40);
    await cache.record('loras/a', 'sha-a');
    utimesSync(file, new Date(), new Date(Date.now() + 60_000));
    expect(await cache.knownToMatch('loras/a', 'sha-a')).toBe(false);
    write('loras/b', 40);
    await cache.record('loras/b', 'sha-b');
    expect(cache.entry('loras/a')).toBeUndefined();
    expect(here('loras/a')).toBe(true);
  });

  it('forgets a folder key, and starts afresh from an unreadable index', async () => {
    const cache = openCache(1000);
    write('datasets/r1/1.png', 10);
    await cache.record('datasets/r1/1.png', 'sha-1');
    write('datasets/r10/1.png', 10);
    await cache.record('datasets/r10/1.png', 'sha-2');
    cache.forget('datasets/r1');
    expect(cache.entry('datasets/r1/1.png')).toBeUndefined();
    expect(cache.entry('datasets/r10/1.png')).toBeDefined();
    await cache.flush();
    expect(openCache(1000).entry('datasets/r10/1.png')).toBeDefined();

    writeFileSync(path.join(root, '.artifact-cache', 'index.json'), '{"version": 1, "entries": [{"key": 3}]}');
    expect(openCache(1000).totalBytes).toBe(0);
    expect(events).toContain('cache.index_unreadable');
  });
});
