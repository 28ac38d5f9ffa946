import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

interface Entry {
  version: number;
  expires: number;
  body: string;
  /** Computed once per entry (Express would hash the body again for every answer). */
  etag: string;
}

/** Longest a cached list may be served after a change this process was not told of (a control worker elsewhere). */
const DEFAULT_TTL_MS = 1_000;
const DEFAULT_MAX_ENTRIES = 500;

/**
 * Answers repeated reads of the same list (same URL, query included) from memory until anything is written.
 * Every write this process makes or hears of calls `invalidate()`: changing requests (see `invalidateOnWrite`) and
 * the control worker beside the API. An answer computed while a write happened is never kept, so a client always
 * reads its own writes; writes made elsewhere show after at most `ttlMs`. Concurrent reads of a list nobody has
 * cached yet wait for the first one instead of each asking the database. `Cache-Control: no-cache` skips it.
 */
export class ListCache {
  private version = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry | undefined>>();

  constructor(
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  invalidate(): void {
    this.version++;
    this.entries.clear();
  }

  /** For GET routes whose JSON answer depends only on the URL and the database. */
  readonly cached: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' || /no-cache|no-store/.test(req.get('cache-control') ?? '')) return next();
    const key = req.originalUrl;
    const fresh = this.fresh(key);
    if (fresh) return send(res, fresh);
    const pending = this.pending.get(key);
    if (pending) {
      void pending.then((entry) => (entry && entry.version === this.version ? send(res, entry) : next()), next);
      return;
    }
    this.pending.set(key, this.capture(key, res));
    next();
  };

  /**
   * For every request: one that may change data invalidates the cache when it starts (so reads running meanwhile
   * are not kept) and again just before its answer leaves (so the client's next read sees the change).
   */
  readonly invalidateOnWrite: RequestHandler = (req, res, next) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
    this.invalidate();
    const writeHead = res.writeHead;
    res.writeHead = ((...args: Parameters<typeof writeHead>) => {
      this.invalidate();
      return writeHead.apply(res, args);
    }) as typeof writeHead;
    next();
  };

  private fresh(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.version === this.version && entry.expires > this.now()) return entry;
    if (entry) this.entries.delete(key);
    return undefined;
  }

  /** Keeps the JSON a 200 answer sends, unless something was written while it was computed. */
  private capture(key: string, res: Response): Promise<Entry | undefined> {
    const version = this.version;
    return new Promise((resolve) => {
      const json = res.json.bind(res);
      res.json = (value: unknown) => {
        if (res.statusCode !== 200 || version !== this.version) return json(value);
        const body = JSON.stringify(value);
        const etag = `W/"${createHash('sha1').update(body).digest('base64url')}"`;
        const entry = { version, expires: this.now() + this.ttlMs, body, etag };
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(key, entry);
        resolve(entry);
        send(res, entry);
        return res;
      };
      res.once('close', () => {
        this.pending.delete(key);
        resolve(undefined);
      });
    });
  }
}

function send(res: Response, entry: Entry): void {
  res.status(200).type('application/json').set('ETag', entry.etag).send(entry.body);
}
