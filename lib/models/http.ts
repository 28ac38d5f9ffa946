import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { ModelDownloadError } from './errors';

export interface OpenedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface OpenOptions {
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Sent only to this origin: a redirect to a CDN (signed URL) must never carry the Hugging Face token. */
  authorization?: { origin: string; value: string };
  /** Follow redirects (GET); HEAD stops at the first answer, whose headers carry the file's metadata. */
  followRedirects: boolean;
  signal?: AbortSignal;
  /** A connection silent this long is dropped (and the download resumes). */
  idleTimeoutMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 8;

function once(url: URL, options: OpenOptions): Promise<IncomingMessage> {
  const headers: Record<string, string> = { 'user-agent': 'isengard-model-provisioning', 'accept-encoding': 'identity', ...options.headers };
  if (options.authorization && url.origin === options.authorization.origin) headers.authorization = options.authorization.value;
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new ModelDownloadError('http', `Unsupported download URL scheme ${url.protocol}`, false));
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: options.method, headers, signal: options.signal }, resolve);
    req.setTimeout(options.idleTimeoutMs ?? 60_000, () => req.destroy(new Error(`no answer from ${url.host} for ${(options.idleTimeoutMs ?? 60_000) / 1000} s`)));
    req.once('error', reject);
    req.end();
  });
}

/** One request, following redirects when asked; network failures are retryable ModelDownloadErrors. */
export async function openUrl(url: string, options: OpenOptions): Promise<OpenedResponse> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    let res: IncomingMessage;
    try {
      res = await once(current, options);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (err instanceof ModelDownloadError) throw err;
      throw new ModelDownloadError('network', `Could not reach ${current.host}: ${(err as Error).message}`, true);
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (options.followRedirects && REDIRECTS.has(status) && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new ModelDownloadError('http', `Too many redirects from ${url}`, false);
      current = new URL(location, current);
      continue;
    }
    // The socket stays silent-checked while the body streams.
    res.setTimeout(options.idleTimeoutMs ?? 60_000, () => res.destroy(new Error(`the connection to ${current.host} went silent`)));
    return { status, headers: res.headers, body: res, url: current.toString() };
  }
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
