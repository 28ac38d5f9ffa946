import type { ModelFileSpec } from './catalogue';
import { accessError, httpError, ModelDownloadError } from './errors';
import { header, openUrl } from './http';

export interface HubAccess {
  /** HF_ENDPOINT, without a trailing slash. */
  endpoint: string;
  token: string | undefined;
}

export interface RemoteFile {
  sizeBytes: number | null;
  sha256: string | null;
}

export interface ExpectedFile {
  sizeBytes: number;
  sha256: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function authorizationFor(access: HubAccess): { origin: string; value: string } | undefined {
  return access.token ? { origin: new URL(access.endpoint).origin, value: `Bearer ${access.token}` } : undefined;
}

/** An ETag as Hugging Face sends it (`"<sha256>"`, sometimes weak `W/"…"`), unquoted and lower-case. */
function etagValue(raw: string | undefined): string | undefined {
  return raw?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase() || undefined;
}

/**
 * What Hugging Face says about a file: a HEAD on its resolve URL without following the redirect, as huggingface_hub
 * does. For an LFS file that first answer carries `x-linked-size` and `x-linked-etag` (the sha256 of the content).
 * Access problems (gated repository, bad token) surface here, before anything is written.
 */
export async function describeRemoteFile(url: string, file: ModelFileSpec, access: HubAccess, signal?: AbortSignal): Promise<RemoteFile> {
  let current = url;
  for (let hop = 0; hop < 5; hop++) {
    const res = await openUrl(current, { method: 'HEAD', followRedirects: false, authorization: authorizationFor(access), signal, idleTimeoutMs: 30_000 });
    res.body.resume();
    const { status, headers } = res;
    if (status === 401 || status === 403) throw accessError(status, file, Boolean(access.token), access.endpoint, header(headers, 'x-error-code'));
    const linkedSize = header(headers, 'x-linked-size');
    const linkedEtag = etagValue(header(headers, 'x-linked-etag'));
    const location = header(headers, 'location');
    // A renamed repository answers with a redirect without file metadata: follow it to the real resolve URL.
    if (status >= 300 && status < 400 && !linkedSize && location) {
      current = new URL(location, current).toString();
      continue;
    }
    if (status >= 400) throw httpError(status, `${file.path} in ${file.repo}`);
    const size = Number(linkedSize ?? (status < 300 ? header(headers, 'content-length') : undefined));
    const etag = linkedEtag ?? etagValue(header(headers, 'etag'));
    return {
      sizeBytes: Number.isSafeInteger(size) && size > 0 ? size : null,
      sha256: etag && SHA256.test(etag) ? etag : null,
    };
  }
  throw new ModelDownloadError('http', `Too many redirects for ${file.path} in ${file.repo}`, false);
}

/**
 * The size and sha256 the bytes must have: the catalogue's pin when there is one (and Hugging Face must agree with
 * it), otherwise what Hugging Face announces. Without either there is nothing to verify against: refused.
 */
export function expectedFile(file: ModelFileSpec, remote: RemoteFile): ExpectedFile {
  const what = `${file.path} in ${file.repo}@${file.revision}`;
  if (file.sha256 && remote.sha256 && file.sha256 !== remote.sha256) {
    throw new ModelDownloadError(
      'changed_upstream',
      `Hugging Face now serves a different ${what} (sha256 ${remote.sha256}) than the one Isengard is pinned to (${file.sha256}); it was not downloaded`,
      false,
    );
  }
  if (file.sizeBytes && remote.sizeBytes && file.sizeBytes !== remote.sizeBytes) {
    throw new ModelDownloadError(
      'changed_upstream',
      `Hugging Face now serves a different ${what} (${remote.sizeBytes} bytes) than the one Isengard is pinned to (${file.sizeBytes} bytes); it was not downloaded`,
      false,
    );
  }
  const sha256 = file.sha256 ?? remote.sha256;
  const sizeBytes = file.sizeBytes ?? remote.sizeBytes;
  if (!sha256 || !sizeBytes) {
    throw new ModelDownloadError('unverifiable', `The server did not announce the size and sha256 of ${what}, so a download could not be verified`, false);
  }
  return { sha256, sizeBytes };
}
