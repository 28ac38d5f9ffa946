import { apiSend } from './api-client';

export interface ClientLogEntry {
  level: 'error' | 'warn' | 'info';
  message: string;
  event?: string;
  url?: string;
  stack?: string;
  context?: Record<string, unknown>;
}

export interface ErrorReporterOptions {
  send: (entry: ClientLogEntry) => Promise<void>;
  maxPerMinute?: number;
  now?: () => number;
}

// The API's limits on /api/client-logs fields; longer values would make the report itself fail.
const LIMITS = { message: 4000, stack: 8000, url: 2000 };

const clip = (value: string | undefined, max: number) => (value === undefined ? undefined : value.slice(0, max));

/**
 * Sends browser errors to the API, at most `maxPerMinute` per rolling minute so that an error in a render loop
 * cannot flood the server. Reporting never throws: a failed report is dropped.
 */
export function createErrorReporter({ send, maxPerMinute = 10, now = Date.now }: ErrorReporterOptions) {
  let sentAt: number[] = [];
  return function report(entry: ClientLogEntry): void {
    const t = now();
    sentAt = sentAt.filter((at) => t - at < 60_000);
    if (sentAt.length >= maxPerMinute) return;
    sentAt.push(t);
    const body: ClientLogEntry = {
      ...entry,
      message: clip(entry.message, LIMITS.message) || 'Unknown error',
      stack: clip(entry.stack, LIMITS.stack),
      url: clip(entry.url ?? globalThis.location?.href, LIMITS.url),
    };
    try {
      send(body).catch(() => undefined);
    } catch {
      // A reporter that throws would raise the very errors it reports.
    }
  };
}

export const reportClientError = createErrorReporter({
  send: (entry) => apiSend('/client-logs', { method: 'POST', body: entry, keepalive: true }),
});

function describe(reason: unknown): { message: string; stack?: string } {
  if (reason instanceof Error) return { message: `${reason.name}: ${reason.message}`, stack: reason.stack };
  if (typeof reason === 'string') return { message: reason };
  try {
    return { message: JSON.stringify(reason) ?? String(reason) };
  } catch {
    return { message: String(reason) };
  }
}

/** Reports uncaught errors and unhandled promise rejections; returns a function that removes the handlers. */
export function installGlobalErrorHandlers(report = reportClientError): () => void {
  const onError = (event: ErrorEvent) => {
    const { message, stack } = event.error ? describe(event.error) : { message: event.message, stack: undefined };
    report({
      level: 'error',
      event: 'client.error',
      message,
      stack,
      context: { source: event.filename, line: event.lineno, column: event.colno },
    });
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    report({ level: 'error', event: 'client.unhandled_rejection', ...describe(event.reason) });
  };
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  return () => {
    window.removeEventListener('error', onError);
    window.removeEventListener('unhandledrejection', onRejection);
  };
}

export function reportRenderError(error: unknown, componentStack?: string | null): void {
  reportClientError({
    level: 'error',
    event: 'client.render_error',
    ...describe(error),
    context: componentStack ? { componentStack: componentStack.slice(0, 4000) } : undefined,
  });
}
