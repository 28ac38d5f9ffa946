import { defaultPayloadConverter, type Headers } from '@temporalio/common';

/**
 * The Temporal header that carries a request's correlation id from the API into workflows and activities.
 * Workflow-safe: no Node APIs.
 */
export const CORRELATION_HEADER_KEY = 'isengard-correlation-id';

export function withCorrelationHeader(headers: Headers, correlationId: string | undefined): Headers {
  if (!correlationId) return headers;
  return { ...headers, [CORRELATION_HEADER_KEY]: defaultPayloadConverter.toPayload(correlationId) };
}

export function correlationFromHeaders(headers: Headers | undefined): string | undefined {
  const payload = headers?.[CORRELATION_HEADER_KEY];
  if (!payload) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload<unknown>(payload);
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
