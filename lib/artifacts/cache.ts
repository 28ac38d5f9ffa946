import { mkdirSync, readFileSync } from 'node:fs';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger/logger';
import { isUnder, keyPath } from './keys';

const entrySchema = z.object({
  key: z.string(),
  sizeBytes: z.number().int().min(0),
  sha256: z.string(),
  /** The local file's mtime when it was last known to hold `sha256`: a file changed since is not this entry's. */
  mtimeMs: z.number(),
  lastUsedAt: z.number(),
});
const indexSchema = z.object({ version: z.literal(1), entries: z.array(entrySchema) });

export type CacheEntry = z.infer<typeof entrySchema>;

export interface ArtifactCacheOptions {
  /** The data root: keys are paths under it. */
  root: string;
  /** The JSON index, written atomically (temp file + rename) a moment after each change. */
  indexFile: string;
  limitBytes: number;
  logger: Logger;
  /** Injectable clock for the order of use. */
  now?: () => number;
}

/**
 * The bounded local copy of an S3 store (design §3): the files this process pulled from the store or pushed to it,
 * evicted least recently used first once they take more than the limit. Only those files count and only they are
 * ever removed: a file written and not yet pushed is not in the index, and a held file (a running job's input) stays
 * whatever the limit says. The index survives a restart; a copy is checked against its sha256 again the first time
 * it is reused after one.
 */
export class ArtifactCache {
  readonly limitBytes: number;
  private readonly entries = new Map<string, CacheEntry>();
  /** Keys whose local copy was hashed or written by this process: trusted while their size and mtime stay. */
  private readonly checked = new Set<string>();
  private readonly holds = new Map<string, number>();
  private readonly now: () => number;
  private writing: Promise<void> = Promise.resolve();
  private writeTimer: NodeJS.Timeout | undefined;
  private warnedFull = false;

  constructor(private readonly options: ArtifactCacheOptions) {
    this.limitBytes = options.limitBytes;
    this.now = options.now ?? Date.now;
    for (const entry of this.readIndex()) this.entries.set(entry.key, entry);
  }

  get totalBytes(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.sizeBytes;
    return total;
  }

  entry(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /**
   * Whether the local copy of `key` is known to hold `sha256` without reading it: this process hashed or wrote it,
   * and it has not changed since. After a restart every copy is hashed again once.
   */
  async knownToMatch(key: string, sha256: string): Promise<boolean> {
    const entry = this.entries.get(key);
    if (!entry || entry.sha256 !== sha256 || !this.checked.has(key)) return false;
    const info = await stat(keyPath(this.options.root, key)).catch(() => null);
    return info !== null && info.isFile() && info.size === entry.sizeBytes && info.mtimeMs === entry.mtimeMs;
  }

  /** Records a local copy that holds `sha256` (just pulled, pushed, or hashed), as used now. */
  async record(key: string, sha256: string): Promise<void> {
    const info = await stat(keyPath(this.options.root, key));
    this.entries.set(key, { key, sizeBytes: info.size, sha256, mtimeMs: info.mtimeMs, lastUsedAt: this.now() });
    this.checked.add(key);
    this.scheduleWrite();
    await this.makeRoom(0, key);
  }

  /** Marks a copy as used now (it moves to the back of the eviction order). */
  touch(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.lastUsedAt = this.now();
    this.scheduleWrite();
  }

  /** Keeps keys (or every key under folder keys) from eviction until the returned function is called. */
  hold(keys: string[]): () => void {
    for (const key of keys) this.holds.set(key, (this.holds.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of keys) {
        const count = (this.holds.get(key) ?? 1) - 1;
        if (count > 0) this.holds.set(key, count);
        else this.holds.delete(key);
      }
    };
  }

  isHeld(key: string): boolean {
    for (const held of this.holds.keys()) if (isUnder(key, held)) return true;
    return false;
  }

  /**
   * Evicts copies, least recently used first, until `bytes` more fit under the limit; never a held key or `keep`.
   * When only held copies are left the cache stays over its limit (said once) rather than break a running job.
   */
  async makeRoom(bytes: number, keep?: string): Promise<void> {
    let total = this.totalBytes;
    if (total + bytes <= this.limitBytes) {
      this.warnedFull = false;
      return;
    }
    const candidates = [...this.entries.values()]
      .filter((entry) => entry.key !== keep && !this.isHeld(entry.key))
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    for (const entry of candidates) {
      if (total + bytes <= this.limitBytes) break;
      await this.evict(entry);
      total -= entry.sizeBytes;
    }
    if (total + bytes > this.limitBytes && !this.warnedFull) {
      this.warnedFull = true;
      this.options.logger.warn('cache.over_limit', 'The artifact cache is over its size limit: every copy left is in use', {
        totalBytes: total,
        neededBytes: bytes,
        limitBytes: this.limitBytes,
      });
    }
  }

  /** Forgets a key or every key under a folder key (the files are gone, or no longer the store's). */
  forget(keyOrPrefix: string): void {
    for (const key of [...this.entries.keys()]) {
      if (isUnder(key, keyOrPrefix)) {
        this.entries.delete(key);
        this.checked.delete(key);
      }
    }
    this.scheduleWrite();
  }

  /** Writes the index now (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.writeTimer) {
      clearTimeout(this.writeTimer);
      this.writeTimer = undefined;
      this.writing = this.writing.then(() => this.writeIndex());
    }
    await this.writing;
  }

  private async evict(entry: CacheEntry): Promise<void> {
    const file = keyPath(this.options.root, entry.key);
    const info = await stat(file).catch(() => null);
    this.entries.delete(entry.key);
    this.checked.delete(entry.key);
    this.scheduleWrite();
    // A file rewritten here since it was recorded is not the store's copy any more: it is left alone.
    if (info?.isFile() && info.size === entry.sizeBytes && info.mtimeMs === entry.mtimeMs) {
      await unlink(file).catch(() => undefined);
      this.options.logger.debug('cache.evicted', `Removed the local copy of ${entry.key} to keep the cache under its limit`, {
        key: entry.key,
        sizeBytes: entry.sizeBytes,
      });
    }
  }

  private readIndex(): CacheEntry[] {
    let text: string;
    try {
      text = readFileSync(this.options.indexFile, 'utf8');
    } catch {
      return [];
    }
    const parsed = indexSchema.safeParse((() => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return null;
      }
    })());
    if (!parsed.success) {
      this.options.logger.warn('cache.index_unreadable', 'The artifact cache index is unreadable: starting a new one (its files are kept)', {
        indexFile: this.options.indexFile,
      });
      return [];
    }
    return parsed.data.entries;
  }

  private scheduleWrite(): void {
    if (this.writeTimer) return;
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      this.writing = this.writing.then(() => this.writeIndex());
    }, 200);
    this.writeTimer.unref();
  }

  private async writeIndex(): Promise<void> {
    const file = this.options.indexFile;
    const temp = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      await writeFile(temp, JSON.stringify({ version: 1, entries: [...this.entries.values()] }));
      await rename(temp, file);
    } catch (err) {
      this.options.logger.warn('cache.index_write_failed', `Could not write the artifact cache index: ${(err as Error).message}`, { indexFile: file });
    }
  }
}
