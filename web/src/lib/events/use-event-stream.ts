import { useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import { reportClientError } from '../error-reporting';
import { useEventSourceFactory } from './event-source-context';
import { openEventStream, type StreamStatus } from './event-stream';

export interface UseEventStreamOptions<S extends z.ZodType> {
  /** Below /api; null keeps the stream closed (e.g. once the job has finished). */
  path: string | null;
  event: string;
  schema: S;
  onMessage: (data: z.output<S>) => void;
  onReconnected?: () => void;
  /** Every change of the connection state, e.g. for a reducer. */
  onStatus?: (status: StreamStatus) => void;
}

/**
 * Follows a server-sent event stream while `path` is set; returns the connection state so the page can say
 * "reconnecting…". Handlers may change on every render without reopening the stream.
 */
export function useEventStream<S extends z.ZodType>({
  path,
  event,
  schema,
  onMessage,
  onReconnected,
  onStatus,
}: UseEventStreamOptions<S>): StreamStatus {
  const createSource = useEventSourceFactory();
  const [status, setStatus] = useState<StreamStatus>(path ? 'connecting' : 'closed');
  const handlers = useRef({ onMessage, onReconnected, onStatus });
  useEffect(() => {
    handlers.current = { onMessage, onReconnected, onStatus };
  });

  useEffect(() => {
    if (!path) return;
    return openEventStream({
      path,
      event,
      schema,
      createSource,
      onMessage: (data) => handlers.current.onMessage(data),
      onReconnected: () => handlers.current.onReconnected?.(),
      onStatus: (next) => {
        setStatus(next);
        handlers.current.onStatus?.(next);
      },
      onInvalid: (issues) =>
        reportClientError({
          level: 'warn',
          event: 'client.stream_invalid',
          // What did not match follows (the report is clipped to its limit).
          message: `A live update on ${path} did not match the contract and was ignored: ${JSON.stringify(issues)}`,
        }),
    });
  }, [path, event, schema, createSource]);

  return path ? status : 'closed';
}
