import type { TestStack } from './stack';

export interface HttpResult<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A request to the stack's API; a body object is sent as JSON. */
export async function request<T = unknown>(
  stack: TestStack,
  path: string,
  init: Omit<RequestInit, 'body'> & { body?: unknown; raw?: string } = {},
): Promise<HttpResult<T>> {
  const { body, raw, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(`${stack.plane.url}${path}`, {
    ...rest,
    headers,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (the web app's fallback page, say)
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}
