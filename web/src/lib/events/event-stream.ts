import type { z } from 'zod';
import { API_BASE } from '../api-client';

/** Where a stream is: opening, receiving, lost and trying again, or closed for good by us. */
export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of the browser's EventSource that a stream uses; tests pass a fake with the same shape. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

export const browserEventSource: EventSourceFactory = (url) => {
  if (typeof EventSource === 'undefined') throw new Error('This browser cannot receive live updates (no EventSource)');
  return new EventSource(url, { withCredentials: true }) as EventSourceLike;
};

const CLOSED = 2;
/** After the browser gives up (an error answer instead of a stream), try again after 1, 2, 4 … 30 s. */
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

export interface StreamOptions<S extends z.ZodType> {
  /** Below /api, e.g. `/trainings/<id>/events`. */
  path: string;
  /** The SSE event name (`event:` line), e.g. `training`. */
  event: string;
  schema: S;
  onMessage: (data: z.output<S>, eventId: string) => void;
  onStatus?: (status: StreamStatus) => void;
  /** The stream came back after being lost: whatever was derived from it may be stale. */
  onReconnected?: () => void;
  /** A payload that does not match the contract: reported once, then dropped (never thrown). */
  onInvalid?: (issues: unknown) => void;
  createSource?: EventSourceFactory;
}

/**
 * One server-sent event stream with typed, validated payloads. The browser's EventSource reconnects by itself
 * (sending Last-Event-ID); when it gives up for good, this opens a new one with backoff, passing the last id in
 * the query string. Returns a function that closes the stream.
 */
export function openEventStream<S extends z.ZodType>(options: StreamOptions<S>): () => void {
  const { path, event, schema, onMessage, onStatus, onReconnected, onInvalid, createSource = browserEventSource } = options;
  let source: EventSourceLike | undefined;
  let lastEventId = '';
  let lost = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let reportedInvalid = false;

  const status = (s: StreamStatus) => {
    if (!stopped || s === 'closed') onStatus?.(s);
  };

  function connect() {
    const url = `${API_BASE}${path}${lastEventId ? `${path.includes('?') ? '&' : '?'}lastEventId=${encodeURIComponent(lastEventId)}` : ''}`;
    const current = createSource(url);
    source = current;
    current.onopen = () => {
      if (stopped || current !== source) return;
      attempt = 0;
      status('open');
      if (lost) {
        lost = false;
        onReconnected?.();
      }
    };
    current.onerror = () => {
      if (stopped || current !== source) return;
      lost = true;
      status('reconnecting');
      if (current.readyState === CLOSED) {
        current.close();
        const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
        attempt++;
        retryTimer = setTimeout(connect, delay);
      }
    };
    current.addEventListener(event, (message) => {
      if (stopped || current !== source) return;
      if (message.lastEventId) lastEventId = message.lastEventId;
      let json: unknown;
      try {
        json = JSON.parse(message.data);
      } catch {
        json = undefined;
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        if (!reportedInvalid) onInvalid?.(parsed.error.issues);
        reportedInvalid = true;
        return;
      }
      onMessage(parsed.data, message.lastEventId);
    });
  }

  status('connecting');
  connect();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    source?.close();
    status('closed');
  };
}
