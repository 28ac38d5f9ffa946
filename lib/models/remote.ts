import { isCommitId, type ModelFileSpec } from './catalogue';
import { accessError, httpError, ModelDownloadError } from './errors';
import { header, openUrl } from './http';

export interface HubAccess {
  /** HF_ENDPOINT, without a trailing slash. */
  endpoint: string;
  token: string | undefined;
}

export interface RemoteFile {
  sizeBytes: number | null;
  /** An LFS file's sha256 (`x-linked-etag`). */
  sha256: string | null;
  /** A file kept in git itself (not LFS): its git blob id, the `ETag` of the resolve answer. */
  gitBlobSha1: string | null;
  /** The commit the hub answered from (`x-repo-commit`). */
  commit: string | null;
}

/** What the downloaded bytes must be: their size and at least one of the two digests. */
export interface ExpectedFile {
  sizeBytes: number;
  sha256: string | null;
  /** sha1 of `"blob <size>\0" + content`, as `git hash-object` computes it. */
  gitBlobSha1: string | null;
}

const SHA256 = /^[0-9a-f]{64}$/;
const SHA1 = /^[0-9a-f]{40}$/;

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
 * A file kept in git itself has no `x-linked-*` headers: the answer's own `ETag` is its git blob id and
 * `Content-Length` its size. This is how huggingface_hub 2.5.0 reads them (file_download.py `get_hf_file_metadata`:
 * `X-Linked-Etag` or else `ETag`, unquoted by `_normalize_etag`; `X-Linked-Size` or else `Content-Length` of a
 * non-redirect; `X-Repo-Commit`), and its utils/sha.py `git_hash` is the same git blob sha1 for non-LFS files.
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
    const commit = header(headers, 'x-repo-commit')?.trim().toLowerCase();
    return {
      sizeBytes: Number.isSafeInteger(size) && size > 0 ? size : null,
      sha256: etag && SHA256.test(etag) ? etag : null,
      // Only the hub's own ETag of a file it serves directly is a git blob id (an LFS file's is its sha256).
      gitBlobSha1: !linkedEtag && !linkedSize && etag && SHA1.test(etag) ? etag : null,
      commit: commit && isCommitId(commit) ? commit : null,
    };
  }
  throw new ModelDownloadError('http', `Too many redirects for ${file.path} in ${file.repo}`, false);
}

/**
 * The size and digest the bytes must have: the catalogue's pin when there is one (and Hugging Face must agree with
 * it), otherwise what Hugging Face announces: an LFS file's sha256, or, for a file kept in git, its git blob id. A
 * git blob id is accepted only at a pinned commit (the request named that commit and the hub answered from it): at a
 * commit the id names exactly one content. Without any of these there is nothing to verify against: refused.
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
  if (sha256 && sizeBytes) return { sha256, sizeBytes, gitBlobSha1: null };
  if (!sha256 && sizeBytes && remote.gitBlobSha1) {
    if (!isCommitId(file.revision)) {
      throw new ModelDownloadError('unverifiable', `${what} is not pinned to a commit, so its git blob id cannot be trusted; a download could not be verified`, false);
    }
    if (remote.commit && remote.commit !== file.revision) {
      throw new ModelDownloadError('unverifiable', `The server answered for ${what} from commit ${remote.commit}, not the pinned one, so a download could not be verified`, false);
    }
    return { sha256: null, sizeBytes, gitBlobSha1: remote.gitBlobSha1 };
  }
  throw new ModelDownloadError('unverifiable', `The server did not announce the size and a hash of ${what}, so a download could not be verified`, false);
}

/**
 * The commit a branch of `file`'s repository points to now: the `x-repo-commit` of a HEAD on the file's resolve URL
 * (what huggingface_hub records as the snapshot's commit). The download then asks for that commit by its id.
 */
export async function resolveCommit(url: string, file: ModelFileSpec, access: HubAccess, signal?: AbortSignal): Promise<string> {
  const remote = await describeRemoteFile(url, file, access, signal);
  if (!remote.commit) {
    throw new ModelDownloadError('unverifiable', `The server did not say which commit ${file.revision} of ${file.repo} is, so the files could not be pinned to one`, false);
  }
  return remote.commit;
}
