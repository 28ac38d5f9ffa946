import type { Request, Response } from 'express';
import type { ChangeBus } from './events/change-bus';
import { HttpError } from './errors';

/** Most event streams one client (address) may hold open at once: a page or two per job is plenty. */
export const MAX_STREAMS_PER_CLIENT = 24;
const openStreams = new Map<string, number>();

/** Counts a new stream against its client's cap (429 beyond it); the returned function gives the place back. */
function admit(req: Request): () => void {
  const client = req.ip ?? 'unknown';
  const open = openStreams.get(client) ?? 0;
  if (open >= MAX_STREAMS_PER_CLIENT) {
    throw new HttpError(429, 'rate_limited', `Too many live views are open from this address (${open}): close some pages, then reload this one`);
  }
  openStreams.set(client, open + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (openStreams.get(client) ?? 1) - 1;
    if (left > 0) openStreams.set(client, left);
    else openStreams.delete(client);
  };
}

/**
 * Opens a server-sent event stream, within the client's cap of open streams: headers, the reconnect delay, and a
 * keep-alive comment.
 */
export function openEventStream(req: Request, res: Response, onClose: () => void): { send(event: string, id: number, data: unknown): void } {
  const release = admit(req);
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(keepAlive);
    release();
    onClose();
  });
  return {
    send(event, id, data) {
      res.write(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}

/** The event id the client saw last (EventSource sends it back as Last-Event-ID when it reconnects). */
export function lastEventId(req: Request): number | undefined {
  const raw = req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** How often an open stream looks at the database when no change notice came (e.g. a change from another process). */
const STREAM_POLL_MS = 1_000;

/** A record's current version, and how to load what a client is sent when that version is new. */
export interface StreamedVersion {
  version: number;
  load(): Promise<unknown>;
}

/**
 * Follows one record as server-sent events: sends it whenever its version differs from the last one sent (the
 * client's Last-Event-ID at first), on a change notice for `key` or at the latest every second; one look at a time;
 * stops when the client goes away.
 */
export function streamRecord(
  req: Request,
  res: Response,
  options: {
    changes: ChangeBus;
    key: string;
    event: string;
    /** The record as the route just read it (to check it exists): sent first without reading it again. */
    initial?: StreamedVersion;
    current(): Promise<StreamedVersion | undefined>;
    onError(err: unknown): void;
  },
): void {
  let lastSent = lastEventId(req) ?? -1;
  let closed = false;
  let pending: Promise<void> | undefined;
  let initial = options.initial;
  const push = () => {
    pending ??= (async () => {
      const current = initial ?? (await options.current());
      initial = undefined;
      if (closed || !current || current.version === lastSent) return;
      const data = await current.load();
      lastSent = current.version;
      stream.send(options.event, current.version, data);
    })()
      .catch(options.onError)
      .finally(() => (pending = undefined));
  };
  const stream = openEventStream(req, res, () => {
    closed = true;
    clearInterval(poll);
    unsubscribe();
  });
  const unsubscribe = options.changes.subscribe(options.key, push);
  const poll = setInterval(push, STREAM_POLL_MS);
  push();
}
