import type { z } from 'zod';
import { API_BASE, ApiError, apiErrorFromBody, CORRELATION_HEADER, networkError } from './api-client';
import { newCorrelationId } from './correlation-id';
import { csrfHeaders } from './csrf';

export interface UploadOptions {
  /** Called as the request body goes out: bytes sent and the total. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Posts a multipart form with XMLHttpRequest, which (unlike fetch) reports upload progress. Errors are the same
 * typed ApiError as apiRequest's; an abort rejects with an AbortError DOMException.
 */
export function uploadForm<S extends z.ZodType>(
  path: string,
  form: FormData,
  schema: S,
  { onProgress, signal }: UploadOptions = {},
): Promise<z.output<S>> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('The upload was cancelled', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API_BASE}${path}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader(CORRELATION_HEADER, newCorrelationId());
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
    xhr.withCredentials = true;
    xhr.responseType = 'text';
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);

    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded, event.total);
    };
    xhr.onerror = () => {
      done();
      reject(networkError());
    };
    xhr.onabort = () => {
      done();
      reject(new DOMException('The upload was cancelled', 'AbortError'));
    };
    xhr.onload = () => {
      done();
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      const correlationId = xhr.getResponseHeader(CORRELATION_HEADER) ?? undefined;
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(apiErrorFromBody(xhr.status, xhr.statusText, body, correlationId));
        return;
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        reject(
          new ApiError(
            xhr.status,
            'invalid_response',
            'The server sent an answer this page does not understand. Reloading the page may help.',
            parsed.error.issues,
            correlationId,
          ),
        );
        return;
      }
      resolve(parsed.data);
    };
    xhr.send(form);
  });
}
