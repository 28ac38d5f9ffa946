import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startObjectStore, type TestObjectStore } from '../../test/helpers/object-store';
import { createLogger } from '../logger/logger';
import { parseStorageConfig, type S3StoreConfig } from './config';
import { StoreConfigError } from './retry';
import { S3ArtifactStore } from './s3';
import { ArtifactMissingError } from './store';

const MIB = 1024 * 1024;
/** S3's smallest part: a 12 MiB file goes up in three parts. */
const PART_SIZE = 5 * MIB;

let objectStore: TestObjectStore;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-s3-store-'));

beforeAll(async () => {
  objectStore = await startObjectStore();
});

afterAll(async () => {
  await objectStore?.close();
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(async () => {
  // A test that failed halfway through an outage leaves the server for the next one.
  await objectStore.start();
});

function capture() {
  const lines: { event: string; level: string; message: string; context: Record<string, unknown> }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ service: 'worker', level: 'DEBUG', stream }), lines };
}

function storeConfig(url: string, overrides: Partial<S3StoreConfig> = {}): S3StoreConfig {
  const { config, problems } = parseStorageConfig({ url, accessKeyId: undefined, secretAccessKey: undefined, cacheGb: 1, retrySeconds: 600 });
  expect(problems).toEqual([]);
  if (config.kind !== 's3') throw new Error('not an S3 config');
  return { ...config, ...overrides };
}

let hosts = 0;
/** One process's view: its own data root (no shared disk) and store prefix `prefix`. */
function host(prefix: string, options: { url?: string; retryForMs?: number } = {}) {
  const root = path.join(scratch, `host-${++hosts}`);
  mkdirSync(root, { recursive: true });
  const { logger, lines } = capture();
  const store = new S3ArtifactStore({
    config: storeConfig(options.url ?? objectStore.storageUrl(prefix), options.retryForMs === undefined ? {} : { retryForMs: options.retryForMs }),
    root,
    logger,
    partSizeBytes: PART_SIZE,
    retry: { initialDelayMs: 100, maxDelayMs: 500 },
  });
  /** Counts the downloads this store began (GET requests the server answered). */
  let gets = 0;
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'GetObjectCommand') gets++;
      return result;
    },
    { step: 'initialize' },
  );
  const write = (key: string, data: Buffer) => {
    const file = store.localPath(key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  };
  return { root, store, lines, write, gets: () => gets };
}

/** Kills the S3 server the first time this store sends `command`: before the request goes out, or once its answer streams in. */
function stopOnce(store: S3ArtifactStore, command: string, when: 'before' | 'after') {
  let done = false;
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (done || context.commandName !== command) return next(args);
      done = true;
      if (when === 'before') await objectStore.stop();
      const result = await next(args);
      if (when === 'after') await objectStore.stop();
      return result;
    },
    { step: 'initialize' },
  );
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Polls (no fixed sleep) until `check` holds. */
async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('S3ArtifactStore against a real S3 server (SeaweedFS)', () => {
  it('stores a file with its sha256 and gives it whole to another host', async () => {
    const a = host('round-trip');
    const b = host('round-trip');
    const data = randomBytes(64 * 1024);
    a.write('loras/one.safetensors', data);
    await a.store.push('loras/one.safetensors');

    const head = await objectStore.client().send(new HeadObjectCommand({ Bucket: objectStore.bucket, Key: 'round-trip/loras/one.safetensors' }));
    expect(head.Metadata?.sha256).toBe(sha256(data));

    const file = await b.store.pull('loras/one.safetensors');
    expect(file).toBe(path.join(b.root, 'loras', 'one.safetensors'));
    expect(readFileSync(file).equals(data)).toBe(true);
    expect(await b.store.list('loras')).toEqual([{ key: 'loras/one.safetensors', sizeBytes: data.length, sha256: sha256(data) }]);
  });

  it('uploads a large file in parts and downloads it intact', async () => {
    const a = host('multipart');
    const b = host('multipart');
    const data = randomBytes(12 * MIB + 123);
    a.write('training/run1/checkpoint.safetensors', data);
    await a.store.push('training/run1/checkpoint.safetensors');

    const head = await objectStore.client().send(new HeadObjectCommand({ Bucket: objectStore.bucket, Key: 'multipart/training/run1/checkpoint.safetensors' }));
    // A multipart object's ETag ends in the number of its parts.
    expect(head.ETag).toMatch(/-3"?$/);
    expect(head.Metadata?.sha256).toBe(sha256(data));
    expect(readFileSync(await b.store.pull('training/run1/checkpoint.safetensors')).equals(data)).toBe(true);
  });

  it('replaces a corrupted local copy, and does not download a copy that is already right', async () => {
    const a = host('local-copies');
    const b = host('local-copies');
    const data = randomBytes(256 * 1024);
    a.write('datasets/r1/photo.png', data);
    await a.store.push('datasets/r1/photo.png');

    const file = await b.store.pull('datasets/r1/photo.png');
    expect(b.gets()).toBe(1);
    await b.store.pull('datasets/r1/photo.png');
    expect(b.gets()).toBe(1);

    // Same size, other bytes: only the sha256 tells.
    const corrupt = Buffer.from(data);
    corrupt.writeUInt8(corrupt.readUInt8(1000) ^ 0xff, 1000);
    writeFileSync(file, corrupt);
    await b.store.pull('datasets/r1/photo.png');
    expect(b.gets()).toBe(2);
    expect(readFileSync(file).equals(data)).toBe(true);

    // The host that pushed it has it already: nothing to download.
    await a.store.pull('datasets/r1/photo.png');
    expect(a.gets()).toBe(0);
    // No half file or temporary file is left beside it.
    expect(readFileSync(file).length).toBe(data.length);
    expect(existsSync(path.dirname(file)) && statSync(path.dirname(file)).isDirectory()).toBe(true);
  });

  it('checks a local copy again after a restart before it trusts it', async () => {
    const a = host('restart');
    const data = randomBytes(32 * 1024);
    a.write('outputs/g1/image.png', data);
    await a.store.push('outputs/g1/image.png');
    await a.store.cache.flush();

    const corrupt = Buffer.from(data);
    corrupt.writeUInt8(corrupt.readUInt8(7) ^ 0xff, 7);
    writeFileSync(a.store.localPath('outputs/g1/image.png'), corrupt);
    const restarted = new S3ArtifactStore({
      config: storeConfig(objectStore.storageUrl('restart')),
      root: a.root,
      logger: capture().logger,
    });
    expect(restarted.cache.entry('outputs/g1/image.png')?.sha256).toBe(sha256(data));
    expect(readFileSync(await restarted.pull('outputs/g1/image.png')).equals(data)).toBe(true);
  });

  it('pulls, lists and removes folders; a missing key is ArtifactMissingError', async () => {
    const a = host('folders');
    const b = host('folders');
    const files = { 'datasets/r1/a.png': randomBytes(1000), 'datasets/r1/sub/b.txt': randomBytes(10), 'datasets/r1/c.png': Buffer.alloc(0) };
    for (const [key, data] of Object.entries(files)) {
      a.write(key, data);
      await a.store.push(key);
    }
    a.write('datasets/r10/other.png', randomBytes(5));
    await a.store.push('datasets/r10/other.png');

    expect(await b.store.pullFolder('datasets/r1')).toEqual(['datasets/r1/a.png', 'datasets/r1/c.png', 'datasets/r1/sub/b.txt']);
    for (const [key, data] of Object.entries(files)) expect(readFileSync(b.store.localPath(key)).equals(data)).toBe(true);
    expect(existsSync(b.store.localPath('datasets/r10/other.png'))).toBe(false);
    expect((await b.store.list('datasets/r1/')).map((artifact) => [artifact.key, artifact.sizeBytes, artifact.sha256])).toEqual([
      ['datasets/r1/a.png', 1000, sha256(files['datasets/r1/a.png'])],
      ['datasets/r1/c.png', 0, sha256(Buffer.alloc(0))],
      ['datasets/r1/sub/b.txt', 10, sha256(files['datasets/r1/sub/b.txt'])],
    ]);
    expect(await b.store.pullFolder('datasets/none')).toEqual([]);

    await b.store.remove('datasets/r1');
    expect(await a.store.list('datasets/r1')).toEqual([]);
    expect(existsSync(b.store.localPath('datasets/r1'))).toBe(false);
    expect((await a.store.list('datasets')).map((artifact) => artifact.key)).toEqual(['datasets/r10/other.png']);

    await expect(b.store.pull('datasets/r1/a.png')).rejects.toBeInstanceOf(ArtifactMissingError);
    await expect(b.store.pull('loras/never.safetensors')).rejects.toThrow('The file "loras/never.safetensors" is not in the store.');
    await expect(b.store.push('loras/not-here.safetensors')).rejects.toThrow(/no file at/);
  });

  it('refuses wrong credentials and a missing bucket at once, naming STORAGE_URL', async () => {
    const wrongSecret = objectStore.storageUrl('creds').replace(`:${encodeURIComponent(objectStore.secretAccessKey)}@`, ':not-the-secret@');
    const a = host('creds', { url: wrongSecret });
    a.write('loras/x.safetensors', randomBytes(10));
    const push = a.store.push('loras/x.safetensors');
    await expect(push).rejects.toBeInstanceOf(StoreConfigError);
    await expect(push).rejects.toThrow(/refused the access key or secret of STORAGE_URL s3:\/\/127\.0\.0\.1:\d+\/isengard-test\/creds/);
    await expect(a.store.pull('loras/x.safetensors')).rejects.toBeInstanceOf(StoreConfigError);
    expect(a.lines.filter((line) => line.event === 'store.waiting')).toEqual([]);
    expect(JSON.stringify(a.lines)).not.toContain('not-the-secret');

    const noBucket = objectStore.storageUrl().replace('/isengard-test?', '/no-such-bucket?');
    const b = host('', { url: noBucket });
    await expect(b.store.pull('loras/x.safetensors')).rejects.toThrow(/The bucket "no-such-bucket" does not exist \(STORAGE_URL /);
    b.write('loras/y.safetensors', randomBytes(10));
    await expect(b.store.push('loras/y.safetensors')).rejects.toThrow(/The bucket "no-such-bucket" does not exist/);
  });

  it('waits out the store going down in the middle of a push and of a pull; both finish intact once it is back', async () => {
    const a = host('outage');
    const b = host('outage');
    const stored = randomBytes(32 * MIB);
    a.write('loras/stored.safetensors', stored);
    await a.store.push('loras/stored.safetensors');
    const fresh = randomBytes(12 * MIB);
    a.write('training/r2/step-200.safetensors', fresh);

    // The server dies once the upload has begun (its first part on the way) ...
    stopOnce(a.store, 'UploadPartCommand', 'before');
    const push = a.store.push('training/r2/step-200.safetensors');
    await until(() => a.lines.some((line) => line.event === 'store.waiting'), 'the push to wait');
    // ... and comes back seconds later (its master elects itself first); the push keeps trying meanwhile.
    await objectStore.start();
    await push;

    // The server dies while the download streams in.
    stopOnce(b.store, 'GetObjectCommand', 'after');
    const pull = b.store.pull('loras/stored.safetensors');
    await until(() => b.lines.some((line) => line.event === 'store.waiting'), 'the pull to wait');
    await objectStore.start();
    expect(readFileSync(await pull).equals(stored)).toBe(true);
    // The download cut short, then the whole one.
    expect(b.gets()).toBe(2);

    expect(readFileSync(await host('outage').store.pull('training/r2/step-200.safetensors')).equals(fresh)).toBe(true);
    for (const lines of [a.lines, b.lines]) {
      expect(lines.filter((line) => line.event === 'store.waiting')).toHaveLength(1);
      expect(lines.filter((line) => line.event === 'store.recovered')).toHaveLength(1);
    }
    // Nothing half-written was left beside the pulled file.
    expect(readdirSync(path.dirname(b.store.localPath('loras/stored.safetensors')))).toEqual(['stored.safetensors']);
  });

  it('ends at once when aborted during an outage, and gives up after its retry window', async () => {
    const a = host('abort');
    const short = host('abort', { retryForMs: 1_000 });
    await objectStore.stop();

    const controller = new AbortController();
    const pull = a.store.pull('loras/any.safetensors', { signal: controller.signal });
    await until(() => a.lines.some((line) => line.event === 'store.waiting'), 'the pull to wait');
    controller.abort(new Error('job cancelled'));
    await expect(pull).rejects.toThrow('job cancelled');

    await expect(short.store.pull('loras/any.safetensors')).rejects.toThrow(
      /^The artifact store \(STORAGE_URL s3:\/\/127\.0\.0\.1:\d+\/isengard-test\/abort\?tls=false\) did not answer for 1 s \(head loras\/any\.safetensors\): .*ECONNREFUSED/,
    );
    expect(short.lines.map((line) => line.event)).toEqual(['store.waiting', 'store.unreachable']);
  });
});
