import { randomUUID } from 'node:crypto';
import type { TestStack } from './stack';
import type { HttpResult } from './http';

export interface Part {
  /** Form field name; `photos` unless given. */
  field?: string;
  /** Sent as is (raw UTF-8, quotes escaped), as browsers do; omit for a plain field. */
  filename?: string;
  contentType?: string;
  data: Buffer | string | (() => AsyncIterable<Buffer>);
}

/** A multipart/form-data body, streamed part by part (a generator part is never held in memory whole). */
export function multipart(parts: Part[]): { contentType: string; body: () => AsyncGenerator<Buffer> } {
  const boundary = `----isengard-test-${randomUUID()}`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    async *body() {
      for (const part of parts) {
        const name = part.field ?? 'photos';
        const disposition =
          part.filename === undefined
            ? `form-data; name="${name}"`
            : `form-data; name="${name}"; filename="${part.filename.replaceAll('"', '%22')}"`;
        const type = part.contentType ?? (part.filename === undefined ? 'text/plain' : 'application/octet-stream');
        yield Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${type}\r\n\r\n`);
        if (typeof part.data === 'function') yield* part.data();
        // A zero-length chunk would end a chunked body early.
        else if (part.data.length > 0) yield Buffer.from(part.data);
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`--${boundary}--\r\n`);
    },
  };
}

/** Posts files to a character's photos, streaming the body (chunked) unless `buffered`. */
export async function upload<T>(
  stack: TestStack,
  characterId: string,
  parts: Part[],
  options: { headers?: Record<string, string>; buffered?: boolean; signal?: AbortSignal } = {},
): Promise<HttpResult<T>> {
  const form = multipart(parts);
  let body: RequestInit['body'] | AsyncIterable<Buffer>;
  if (options.buffered) {
    const chunks: Buffer[] = [];
    for await (const chunk of form.body()) chunks.push(chunk);
    body = Buffer.concat(chunks);
  } else {
    body = form.body();
  }
  const res = await fetch(`${stack.plane.url}/api/characters/${characterId}/photos`, {
    method: 'POST',
    headers: { 'content-type': form.contentType, ...options.headers },
    body: body as RequestInit['body'],
    duplex: 'half',
    signal: options.signal,
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}
