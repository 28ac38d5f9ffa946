import { hashKey, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { ApiError, apiSend } from './api-client';

/**
 * What a browser error report carries, and nothing else: the API refuses any other field (a report is a few KB at
 * most, see api/routes/system.ts).
 */
export interface ClientLogEntry {
  level: 'error' | 'warn' | 'info';
  message: string;
  event?: string;
  /** The page's path (no origin, query or fragment). */
  route?: string;
  stack?: string;
}

/**
 * Whether reports may go to the API: `open`; `held` while the login page shows (a login is required and the
 * visitor is not logged in: the API would refuse them) or before the session is known; they wait in memory, a few
 * at most, and go once the gate opens.
 */
export type ReportGate = 'open' | 'held';

export interface ErrorReporterOptions {
  send: (entry: ClientLogEntry) => Promise<void>;
  /** At most this many reports in any rolling minute (the API accepts 10). */
  maxPerMinute?: number;
  /** At most this many reports kept while the gate is held; later ones are dropped. */
  maxHeld?: number;
  gate?: ReportGate;
  now?: () => number;
}

export interface ErrorReporter {
  (entry: ClientLogEntry): void;
  setGate(gate: ReportGate): void;
  readonly gate: ReportGate;
  /** The reports waiting for the gate to open. */
  held(): readonly ClientLogEntry[];
}

/** The API's limits on /api/client-logs fields; longer values would make the report itself fail. */
export const CLIENT_LOG_LIMITS = { message: 1000, stack: 4000, route: 500 } as const;

const clip = (value: string | undefined, max: number) => (value === undefined ? undefined : value.slice(0, max));

function currentRoute(): string | undefined {
  return globalThis.location?.pathname;
}

/** Only the fields the API takes, each clipped to its limit. */
export function reportBody(entry: ClientLogEntry): ClientLogEntry {
  const body: ClientLogEntry = { level: entry.level, message: clip(entry.message, CLIENT_LOG_LIMITS.message) || 'Unknown error' };
  if (entry.event !== undefined) body.event = entry.event;
  const route = clip(entry.route ?? currentRoute(), CLIENT_LOG_LIMITS.route);
  if (route !== undefined) body.route = route;
  const stack = clip(entry.stack, CLIENT_LOG_LIMITS.stack);
  if (stack !== undefined) body.stack = stack;
  return body;
}

/**
 * Sends browser errors to the API, at most `maxPerMinute` per rolling minute so that an error in a render loop
 * cannot flood the server, and only while the gate is open (held reports go when it opens; a report the API
 * refuses for want of a login is held again). Reporting never throws: a failed report is dropped.
 */
export function createErrorReporter({ send, maxPerMinute = 10, maxHeld = 5, gate = 'open', now = Date.now }: ErrorReporterOptions): ErrorReporter {
  let sentAt: number[] = [];
  let waiting: ClientLogEntry[] = [];
  let current: ReportGate = gate;

  const hold = (body: ClientLogEntry) => {
    if (waiting.length < maxHeld) waiting.push(body);
  };

  const deliver = (body: ClientLogEntry) => {
    const t = now();
    sentAt = sentAt.filter((at) => t - at < 60_000);
    if (sentAt.length >= maxPerMinute) return;
    sentAt.push(t);
    try {
      send(body).catch((err: unknown) => {
        // The session ended (or was never there): keep it for after the login.
        if (err instanceof ApiError && err.status === 401) {
          current = 'held';
          hold(body);
        }
      });
    } catch {
      // A reporter that throws would raise the very errors it reports.
    }
  };

  const report = ((entry: ClientLogEntry) => {
    const body = reportBody(entry);
    if (current === 'held') hold(body);
    else deliver(body);
  }) as ErrorReporter;

  report.setGate = (next: ReportGate) => {
    const opening = current === 'held' && next === 'open';
    current = next;
    if (!opening) return;
    const pending = waiting;
    waiting = [];
    for (const body of pending) deliver(body);
  };
  Object.defineProperty(report, 'gate', { get: () => current });
  report.held = () => waiting;
  return report;
}

export const reportClientError = createErrorReporter({
  send: (entry) => apiSend('/client-logs', { method: 'POST', body: entry, keepalive: true }),
});

/** What the session says about reporting: held until it is known, and while a login is required but missing. */
export function gateOfSession(state: { status: 'pending' | 'error' | 'success'; data?: { authRequired: boolean; authenticated: boolean } }): ReportGate {
  if (state.data) return state.data.authRequired && !state.data.authenticated ? 'held' : 'open';
  // No answer about the session: the pages show anyway (AuthGate), and so do reports (a refused one is held again).
  return state.status === 'error' ? 'open' : 'held';
}

/**
 * Keeps the reporter's gate in step with the session query (`GET /api/auth/session` under `sessionKey`): reports
 * wait while the login page shows and go after the login. Returns the function that stops following.
 */
export function followSession(queryClient: QueryClient, sessionKey: QueryKey, reporter: ErrorReporter = reportClientError): () => void {
  const hash = hashKey(sessionKey);
  const update = () => {
    const state = queryClient.getQueryCache().get(hash)?.state as
      | { status: 'pending' | 'error' | 'success'; data?: { authRequired: boolean; authenticated: boolean } }
      | undefined;
    reporter.setGate(gateOfSession(state ?? { status: 'pending' }));
  };
  update();
  return queryClient.getQueryCache().subscribe((event) => {
    if (event.query.queryHash === hash) update();
  });
}

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
export function installGlobalErrorHandlers(report: (entry: ClientLogEntry) => void = reportClientError): () => void {
  const onError = (event: ErrorEvent) => {
    const described = event.error ? describe(event.error) : { message: event.message, stack: undefined };
    // Without a stack, where it happened is the script's position.
    const stack = described.stack ?? (event.filename ? `at ${event.filename}:${event.lineno}:${event.colno}` : undefined);
    report({ level: 'error', event: 'client.error', message: described.message, stack });
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
  const { message, stack } = describe(error);
  // The component stack says where in the page it broke: it follows the error's own stack, within the same limit.
  const withComponents = componentStack ? `${stack ?? ''}\n\nComponent stack:${componentStack}` : stack;
  reportClientError({ level: 'error', event: 'client.render_error', message, stack: withComponents });
}
