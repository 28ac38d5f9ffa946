import type { Request, Response } from 'express';

/** Opens a server-sent event stream: headers, the reconnect delay, and a keep-alive comment. */
export function openEventStream(req: Request, res: Response, onClose: () => void): { send(event: string, id: number, data: unknown): void } {
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
