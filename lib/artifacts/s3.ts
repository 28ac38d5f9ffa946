import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createKeyedLock, createLimiter } from '../concurrency';
import type { Logger } from '../logger/logger';
import { ArtifactCache } from './cache';
import type { S3StoreConfig } from './config';
import { sha256File } from './hash';
import { folderPrefix, isUnder, keyPath, partialDownloadName } from './keys';
import { DEFAULT_RETRY_POLICY, StoreConfigError, withRetries, type RetryPolicy } from './retry';
import { createS3Client } from './s3-client';
import { ArtifactMissingError, type ArtifactCallOptions, type ArtifactStore, type StoredArtifact } from './store';

/** The object metadata (`x-amz-meta-sha256`) that records a file's hex sha256 when it is pushed. */
const SHA256_METADATA = 'sha256';
/** Parts of a multipart upload: S3 allows at least 5 MiB and at most 10,000 parts (a 160 GB file at 16 MiB). */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

export interface S3StoreOptions {
  config: S3StoreConfig;
  /** The data root: this process's copy of the store. */
  root: string;
  logger: Logger;
  /** The bounded local copy; by default one with `config.cacheBytes` and its index under `<root>/.artifact-cache/`. */
  cache?: ArtifactCache;
  /** Names this process's cache index (processes sharing a data root keep one index each). */
  cacheName?: string;
  partSizeBytes?: number;
  retry?: Partial<Omit<RetryPolicy, 'retryForMs'>>;
  client?: S3Client;
}

interface Head {
  sizeBytes: number;
  sha256: string | null;
  etag: string | undefined;
}

/** Answered by a download that found the object replaced since its HEAD (the pull starts over). */
const REPLACED = Symbol('replaced');

function errorName(err: unknown): string | undefined {
  return (err as { name?: string }).name;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Artifacts in an S3-compatible store (STORAGE_URL), with this process's data root as a bounded cache of it. Each
 * file carries the sha256 it was pushed with; a pull downloads beside its target, checks that sha256 and only then
 * renames the file into place, and does not download a local copy that already matches.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  readonly cache: ArtifactCache;
  private readonly config: S3StoreConfig;
  private readonly root: string;
  private readonly logger: Logger;
  private readonly partSize: number;
  private readonly policy: RetryPolicy;
  private readonly perKey = createKeyedLock();
  private readonly parallel = createLimiter(4);
  private bucketSeen = false;

  constructor(options: S3StoreOptions) {
    this.config = options.config;
    this.root = options.root;
    this.logger = options.logger;
    this.client = options.client ?? createS3Client(options.config);
    this.partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry, retryForMs: options.config.retryForMs };
    this.cache =
      options.cache ??
      new ArtifactCache({
        root: options.root,
        indexFile: path.join(options.root, '.artifact-cache', `${options.cacheName ?? 'index'}.json`),
        limitBytes: options.config.cacheBytes,
        logger: options.logger,
      });
  }

  localPath(key: string): string {
    return keyPath(this.root, key);
  }

  async pull(key: string, options: ArtifactCallOptions = {}): Promise<string> {
    const local = this.localPath(key);
    const release = this.cache.hold([key]);
    try {
      return await this.perKey(key, async () => {
        for (;;) {
          const head = await this.head(key, options.signal);
          if (!head) throw new ArtifactMissingError(key);
          if (head.sha256 && (await this.localMatches(key, head.sha256, head.sizeBytes))) {
            this.cache.touch(key);
            return local;
          }
          await this.cache.makeRoom(head.sizeBytes, key);
          const done = await this.call('pull', key, options.signal, () => this.download(key, local, head, options.signal));
          if (done !== REPLACED) return local;
        }
      });
    } finally {
      release();
    }
  }

  async pullFolder(prefix: string, options: ArtifactCallOptions = {}): Promise<string[]> {
    const release = this.cache.hold([prefix]);
    try {
      const keys = (await this.listObjects(prefix, options.signal)).map((object) => object.key);
      await Promise.all(keys.map((key) => this.parallel(() => this.pull(key, options))));
      return keys;
    } finally {
      release();
    }
  }

  async push(key: string, options: ArtifactCallOptions = {}): Promise<void> {
    const local = this.localPath(key);
    await this.perKey(key, async () => {
      const info = await stat(local).catch(() => null);
      if (!info?.isFile()) throw new Error(`Cannot store "${key}": there is no file at ${local}`);
      const sha256 = await sha256File(local, options.signal);
      const stored = await this.head(key, options.signal);
      if (!stored || stored.sha256 !== sha256 || stored.sizeBytes !== info.size) {
        await this.call('push', key, options.signal, () => this.upload(key, local, sha256, info.size, options.signal));
      }
      await this.cache.record(key, sha256);
    });
  }

  async list(prefix: string, options: ArtifactCallOptions = {}): Promise<StoredArtifact[]> {
    const objects = await this.listObjects(prefix, options.signal);
    return Promise.all(
      objects.map((object) =>
        this.parallel(async () => {
          const head = await this.head(object.key, options.signal);
          return { key: object.key, sizeBytes: head?.sizeBytes ?? object.sizeBytes, sha256: head?.sha256 ?? null };
        }),
      ),
    );
  }

  async remove(keyOrPrefix: string, options: ArtifactCallOptions = {}): Promise<void> {
    const trimmed = keyOrPrefix.replace(/\/+$/, '');
    const local = this.localPath(trimmed);
    const objects = await this.listUnder(trimmed, trimmed, options.signal);
    await Promise.all(
      objects.map((object) =>
        this.parallel(() =>
          this.call('remove', object.key, options.signal, () =>
            this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(object.key) }), { abortSignal: options.signal }),
          ),
        ),
      ),
    );
    this.cache.forget(trimmed);
    await rm(local, { recursive: true, force: true });
  }

  hold(keys: string[]): () => void {
    return this.cache.hold(keys);
  }

  private objectKey(key: string): string {
    return this.config.prefix ? `${this.config.prefix}/${key}` : key;
  }

  private keyOf(objectKey: string): string {
    return this.config.prefix ? objectKey.slice(this.config.prefix.length + 1) : objectKey;
  }

  /** Runs one request: outages waited out, refusals that waiting cannot cure turned into a clear error. */
  private call<T>(operation: string, key: string, signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
    return withRetries({ store: `STORAGE_URL ${this.config.displayUrl}`, operation, key }, this.policy, this.logger, signal, async () => {
      try {
        const result = await request();
        this.bucketSeen = true;
        return result;
      } catch (err) {
        throw this.explained(err);
      }
    });
  }

  private explained(err: unknown): unknown {
    const name = errorName(err);
    const status = httpStatus(err);
    const where = `STORAGE_URL ${this.config.displayUrl}`;
    if (name === 'NoSuchBucket') return new StoreConfigError(`The bucket "${this.config.bucket}" does not exist (${where})`);
    if (name === 'AuthorizationHeaderMalformed' || name === 'PermanentRedirect' || status === 301) {
      return new StoreConfigError(`The store wants another region or address for bucket "${this.config.bucket}" (${where}; set ?region=)`);
    }
    if (status === 401 || status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied') {
      return new StoreConfigError(`The store refused the access key or secret of ${where} (${name && name !== 'Unknown' ? name : `HTTP ${status}`})`);
    }
    return err;
  }

  /** The stored object's size and sha256, or null when there is no such key. */
  private async head(key: string, signal: AbortSignal | undefined): Promise<Head | null> {
    try {
      const head = await this.call('head', key, signal, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }), { abortSignal: signal }),
      );
      return { sizeBytes: head.ContentLength ?? 0, sha256: head.Metadata?.[SHA256_METADATA] ?? null, etag: head.ETag };
    } catch (err) {
      if (httpStatus(err) !== 404 && errorName(err) !== 'NotFound') throw err;
      // A HEAD answers a bare 404 for a missing bucket too: tell the two apart once.
      if (!this.bucketSeen) await this.checkBucket(signal);
      return null;
    }
  }

  private async checkBucket(signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.call('check', this.config.bucket, signal, () =>
        this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }), { abortSignal: signal }),
      );
    } catch (err) {
      if (httpStatus(err) === 404 || errorName(err) === 'NotFound') {
        throw new StoreConfigError(`The bucket "${this.config.bucket}" does not exist (STORAGE_URL ${this.config.displayUrl})`);
      }
      throw err;
    }
  }

  /** Whether the local copy holds `sha256` (hashing it unless this process already knows). */
  private async localMatches(key: string, sha256: string, sizeBytes: number): Promise<boolean> {
    if (await this.cache.knownToMatch(key, sha256)) return true;
    const local = this.localPath(key);
    const info = await stat(local).catch(() => null);
    if (!info?.isFile() || info.size !== sizeBytes) return false;
    if ((await sha256File(local)) !== sha256) return false;
    await this.cache.record(key, sha256);
    return true;
  }

  private async download(key: string, local: string, head: Head, signal: AbortSignal | undefined): Promise<typeof REPLACED | void> {
    let response;
    try {
      response = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), IfMatch: head.etag }),
        { abortSignal: signal },
      );
    } catch (err) {
      if (httpStatus(err) === 412 || errorName(err) === 'PreconditionFailed') return REPLACED;
      if (httpStatus(err) === 404 || errorName(err) === 'NoSuchKey') throw new ArtifactMissingError(key);
      throw err;
    }
    await mkdir(path.dirname(local), { recursive: true });
    // Beside the target (same file system, so the rename is atomic) and hidden: never a half file at the key's path.
    const temp = path.join(path.dirname(local), partialDownloadName(path.basename(local), randomBytes(4).toString('hex')));
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(response.Body as Readable, hashing, createWriteStream(temp), { signal });
      const sha256 = hash.digest('hex');
      if (bytes !== head.sizeBytes) throw Object.assign(new Error(`Download of ${key} ended after ${bytes} of ${head.sizeBytes} bytes`), { code: 'ECONNRESET' });
      if (head.sha256 && sha256 !== head.sha256) {
        throw new Error(`The stored copy of ${key} does not match the sha256 it was stored with (${head.sha256}, got ${sha256})`);
      }
      await rename(temp, local);
      await this.cache.record(key, sha256);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  private async upload(key: string, local: string, sha256: string, sizeBytes: number, signal: AbortSignal | undefined): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.config.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(local),
        ContentLength: sizeBytes,
        Metadata: { [SHA256_METADATA]: sha256 },
      },
      partSize: this.partSize,
      queueSize: 4,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** The keys under a folder key, with their sizes (one LIST request per thousand). */
  private listObjects(prefix: string, signal: AbortSignal | undefined): Promise<{ key: string; sizeBytes: number }[]> {
    const folder = folderPrefix(prefix);
    return this.listUnder(folder, folder, signal);
  }

  private async listUnder(listPrefix: string, under: string, signal: AbortSignal | undefined): Promise<{ key: string; sizeBytes: number }[]> {
    const found: { key: string; sizeBytes: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', listPrefix, signal, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.objectKey(listPrefix), ContinuationToken: token }),
          { abortSignal: signal },
        ),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith('/')) continue;
        const key = this.keyOf(object.Key);
        if (isUnder(key, under)) found.push({ key, sizeBytes: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
