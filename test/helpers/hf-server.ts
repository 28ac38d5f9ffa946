import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One file the stand-in Hugging Face serves. */
export interface HubFile {
  repo: string;
  /** The branch it is served under; it is also served under `commit`. */
  revision: string;
  path: string;
  content: Buffer;
  /** The commit `revision` points to (`x-repo-commit`); a fixed id when not given. */
  commit?: string;
  /**
   * A small file kept in git itself, not LFS: the hub serves it directly (no redirect, no `x-linked-*`) with its git
   * blob id as the ETag, like huggingface.co. `etag: null` leaves the ETag out.
   */
  lfs?: boolean;
  etag?: string | null;
  /** Only an `Authorization: Bearer <token>` of this token is served; none → 401, another → 403 (GatedRepo). */
  gatedToken?: string;
  /** Bytes served instead of `content` (the announced size and sha256 stay those of `content`): corruption. */
  corruptWith?: Buffer;
  /** The next downloads drop their connection after sending this many bytes, one entry per download. */
  dropAfter?: number[];
  /** Pause between 64 KiB chunks: a slow link, to stop a download midway. */
  chunkDelayMs?: number;
  /** Sending stops at this byte of the file until it is cleared: a stalled link, to stop a download midway. */
  holdAt?: number;
  /** Answer range requests with the whole file (200), as some servers do. */
  ignoreRange?: boolean;
}

export interface HubRequest {
  method: string;
  path: string;
  host: string;
  range: string | undefined;
  authorization: string | undefined;
}

export interface HubServer {
  /** HF_ENDPOINT for the stack: http://127.0.0.1:<port>. */
  endpoint: string;
  files: Map<string, HubFile>;
  requests: HubRequest[];
  add(file: HubFile): HubFile;
  /** Requests for file content (the CDN side), with their Range headers. */
  downloads(file: HubFile): HubRequest[];
  close(): Promise<void>;
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
/** What `git hash-object` says of `data`: the ETag the hub gives a file kept in git. */
export const gitBlobSha1 = (data: Buffer): string => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
export const DEFAULT_COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** The first byte each range request asked for (`bytes=N-`), in order; requests without a range are left out. */
export function rangeStarts(ranges: Array<string | undefined>): number[] {
  return ranges.filter((r): r is string => r !== undefined).map((r) => Number(/^bytes=(\d+)-$/.exec(r)?.[1] ?? Number.NaN));
}

/**
 * Checks resumes after drops: each from the bytes kept so far, so never past what the server sent before the drop,
 * and at most what was still in flight (lost with the connection) short of it. `drops` are bytes per connection.
 */
export function expectResumesAfterDrops(ranges: Array<string | undefined>, drops: number[], inFlight = 256 * 1024): void {
  const starts = rangeStarts(ranges);
  if (ranges[0] !== undefined || starts.length !== drops.length) {
    throw new Error(`Expected one plain request then ${drops.length} range requests, got ${JSON.stringify(ranges)}`);
  }
  let from = 0;
  starts.forEach((start, i) => {
    const sent = from + drops[i]!;
    if (!(start > from && start <= sent && start >= sent - inFlight)) {
      throw new Error(`Resume ${i + 1} asked for bytes=${start}- after ${sent} bytes were sent (ranges ${JSON.stringify(ranges)})`);
    }
    from = start;
  });
}

const keyOf = (f: Pick<HubFile, 'repo' | 'revision' | 'path'>) => `${f.repo}/resolve/${f.revision}/${f.path}`;
const CHUNK = 64 * 1024;

function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d+)-(\d*)$/.exec(value ?? '');
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/**
 * A small stand-in for Hugging Face's file serving: `/<repo>/resolve/<rev>/<path>` answers like the real hub (a 302
 * to a CDN carrying `x-linked-size` and `x-linked-etag` for an LFS file; the bytes themselves with a git blob id
 * ETag for a file kept in git; `x-repo-commit`; 401/403 for a gated repository), and the "CDN" is another
 * origin (a second port) that serves bytes with HTTP Range support and can drop connections
 * mid-file, send wrong bytes, or crawl.
 */
export async function startHubServer(): Promise<HubServer> {
  const files = new Map<string, HubFile>();
  const requests: HubRequest[] = [];
  let cdnPort = 0;

  async function serveContent(file: HubFile, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = file.corruptWith ?? file.content;
    const range = file.ignoreRange ? undefined : parseRange(req.headers.range, body.length);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? body.length - 1;
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(end - start + 1),
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${body.length}` } : {}),
    });
    const dropAt = file.dropAfter?.shift();
    let sent = 0;
    for (let at = start; at <= end; at += CHUNK) {
      const chunk = body.subarray(at, Math.min(at + CHUNK, end + 1));
      if (dropAt !== undefined && sent + chunk.length > dropAt) {
        // The bytes before the drop leave (flushed to the socket), then the connection is cut.
        await new Promise<void>((r) => res.write(chunk.subarray(0, dropAt - sent), () => r()));
        res.socket?.destroy();
        return;
      }
      const holdAt = file.holdAt;
      if (holdAt !== undefined && at + chunk.length > holdAt) {
        res.write(chunk.subarray(0, Math.max(0, holdAt - at)));
        while (file.holdAt !== undefined && !res.destroyed && !res.socket?.destroyed) await new Promise((r) => setTimeout(r, 50));
        if (res.destroyed || res.socket?.destroyed) return;
        res.write(chunk.subarray(Math.max(0, holdAt - at)));
      } else if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      sent += chunk.length;
      if (file.chunkDelayMs) await new Promise((r) => setTimeout(r, file.chunkDelayMs));
      if (res.destroyed) return;
    }
    res.end();
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    requests.push({ method: req.method ?? '', path: url.pathname, host: req.headers.host ?? '', range: req.headers.range, authorization: req.headers.authorization });
    const onCdn = /^\/cdn\/(.+)$/.exec(url.pathname);
    if (onCdn) {
      const file = files.get(decodeURIComponent(onCdn[1]!));
      if (!file) return void res.writeHead(404).end();
      void serveContent(file, req, res).catch(() => res.destroy());
      return;
    }
    const file = findFile(decodeURIComponent(url.pathname.slice(1)));
    if (!file) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    if (file.gatedToken) {
      const auth = req.headers.authorization;
      if (!auth) return void res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end('Access restricted');
      if (auth !== `Bearer ${file.gatedToken}`) return void res.writeHead(403, { 'x-error-code': 'GatedRepo' }).end('Not in the authorized list');
    }
    const commit = file.commit ?? DEFAULT_COMMIT;
    if (file.lfs === false) {
      const etag = file.etag === undefined ? `"${gitBlobSha1(file.content)}"` : file.etag;
      res.setHeader('x-repo-commit', commit);
      if (etag !== null) res.setHeader('etag', etag);
      if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': String(file.content.length) }).end();
      void serveContent(file, req, res).catch(() => res.destroy());
      return;
    }
    res
      .writeHead(302, {
        location: `http://127.0.0.1:${cdnPort}/cdn/${encodeURIComponent(keyOf(file))}`,
        'x-linked-size': String(file.content.length),
        'x-linked-etag': `"${sha256(file.content)}"`,
        'x-repo-commit': commit,
      })
      .end();
  };

  /** `<repo>/resolve/<branch or its commit>/<path>`. */
  function findFile(key: string): HubFile | undefined {
    const exact = files.get(key);
    if (exact) return exact;
    return [...files.values()].find((f) => `${f.repo}/resolve/${f.commit ?? DEFAULT_COMMIT}/${f.path}` === key);
  }
  const listen = async () => {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  };
  const hub = await listen();
  const cdn = await listen();
  cdnPort = (cdn.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`,
    files,
    requests,
    add(file) {
      files.set(keyOf(file), file);
      return file;
    },
    downloads(file) {
      if (file.lfs === false) {
        // Served by the hub itself, under its branch or its commit.
        const paths = [file.revision, file.commit ?? DEFAULT_COMMIT].map((rev) => `/${file.repo}/resolve/${rev}/${file.path}`);
        return requests.filter((r) => r.method === 'GET' && paths.includes(decodeURIComponent(r.path)));
      }
      return requests.filter((r) => r.method === 'GET' && r.path === `/cdn/${encodeURIComponent(keyOf(file))}`);
    },
    async close() {
      for (const server of [hub, cdn]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
