import type { z } from 'zod';
import { apiErrorSchema, type ErrorCode } from '../../../lib/contracts/errors';
import { newCorrelationId } from './correlation-id';
import { csrfHeaders } from './csrf';

export const API_BASE = '/api';
export const CORRELATION_HEADER = 'X-Correlation-ID';

/** The API's own codes, plus the two failures that happen before an API answer can be read. */
export type ApiErrorCode = ErrorCode | 'network_error' | 'invalid_response';

/** Any failed API call. `status` is 0 when the server could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    readonly correlationId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Lets a request outlive the page (used for error reports sent while the page unloads). */
  keepalive?: boolean;
  /** Non-2xx statuses whose body is a normal answer, e.g. 503 from /health when the system is down. */
  acceptStatuses?: readonly number[];
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {
    Accept: 'application/json',
    [CORRELATION_HEADER]: newCorrelationId(),
    ...(method === 'GET' ? {} : csrfHeaders()),
  };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
      keepalive: options.keepalive ?? false,
      credentials: 'same-origin',
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw networkError();
  }
  if (response.ok || options.acceptStatuses?.includes(response.status)) return response;
  throw await toApiError(response);
}

async function toApiError(response: Response): Promise<ApiError> {
  const correlationId = response.headers.get(CORRELATION_HEADER) ?? undefined;
  return apiErrorFromBody(response.status, response.statusText, await response.json().catch(() => undefined), correlationId);
}

/** The typed error for a non-2xx answer, from its status and (parsed) body, whatever transport fetched it. */
export function apiErrorFromBody(status: number, statusText: string, body: unknown, correlationId?: string): ApiError {
  const parsed = apiErrorSchema.safeParse(body);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(status, code, message, details, correlationId);
  }
  // Not our JSON: a proxy, a gateway or a server that is still starting answered.
  const code: ErrorCode = status >= 500 ? 'unavailable' : 'internal';
  return new ApiError(
    status,
    code,
    `The server answered ${status}${statusText ? ` ${statusText}` : ''}. Try again in a moment.`,
    undefined,
    correlationId,
  );
}

export const networkError = () =>
  new ApiError(0, 'network_error', 'Cannot reach the Isengard server. Check that it is running and that this computer is connected.');

/** Sends a request and parses the JSON answer with a shared contract schema. */
export async function apiRequest<S extends z.ZodType>(
  path: string,
  schema: S,
  options: RequestOptions = {},
): Promise<z.output<S>> {
  const response = await send(path, options);
  const json: unknown = await response.json().catch(() => undefined);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError(
      response.status,
      'invalid_response',
      'The server sent an answer this page does not understand. Reloading the page may help.',
      parsed.error.issues,
      response.headers.get(CORRELATION_HEADER) ?? undefined,
    );
  }
  return parsed.data;
}

/** Sends a request whose answer has no body (204). */
export async function apiSend(path: string, options: RequestOptions = {}): Promise<void> {
  await send(path, options);
}
