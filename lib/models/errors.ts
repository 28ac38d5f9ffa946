/** Why a model file could not be provisioned; the web app explains each code in plain words. */
export const DOWNLOAD_ERROR_CODES = [
  'gated',
  'unauthorized',
  'not_found',
  'checksum_mismatch',
  'size_mismatch',
  'changed_upstream',
  'unverifiable',
  'http',
  'network',
] as const;
export type DownloadErrorCode = (typeof DOWNLOAD_ERROR_CODES)[number];

/** A failed download. `retryable` errors may heal on their own (network, 5xx); the others need a person. */
export class ModelDownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ModelDownloadError';
  }
}

/** What Hugging Face's answer means for a person; the token itself never appears in a message. */
export function accessError(
  status: number,
  file: { repo: string; path: string; gated: boolean },
  hasToken: boolean,
  endpoint: string,
  hfErrorCode: string | undefined,
): ModelDownloadError {
  const page = `${endpoint}/${file.repo}`;
  const gatedRepo = file.gated || hfErrorCode === 'GatedRepo';
  if (hfErrorCode === 'RepoNotFound' || hfErrorCode === 'EntryNotFound' || hfErrorCode === 'RevisionNotFound') {
    return new ModelDownloadError('not_found', `${file.path} was not found in ${file.repo} on ${endpoint} (${status})`, false);
  }
  if (gatedRepo && !hasToken) {
    return new ModelDownloadError(
      'gated',
      `${file.repo} is a gated model: Hugging Face only serves it to an account that accepted its licence. ` +
        `Sign in on huggingface.co, open ${page} and accept the licence, create an access token with "read" access ` +
        `(Settings → Access Tokens), then the operator sets it as HF_TOKEN and restarts Isengard.`,
      false,
    );
  }
  if (status === 403 && gatedRepo) {
    return new ModelDownloadError(
      'gated',
      `The Hugging Face account of HF_TOKEN has no access to ${file.repo} yet (403). Open ${page} signed in as that ` +
        `account, accept the licence, wait until access is granted, then try again.`,
      false,
    );
  }
  if (hasToken) {
    return new ModelDownloadError(
      'unauthorized',
      `Hugging Face refused the access token in HF_TOKEN for ${file.repo} (${status}). Check that the token is valid ` +
        `and allows "read"; the operator sets a new one as HF_TOKEN and restarts Isengard.`,
      false,
    );
  }
  return new ModelDownloadError(
    'unauthorized',
    `Hugging Face refused to serve ${file.path} from ${file.repo} without an access token (${status}). The operator ` +
      `sets HF_TOKEN to a Hugging Face access token with "read" access and restarts Isengard.`,
    false,
  );
}

/** An HTTP status that is not a success, an access problem or a range answer. */
export function httpError(status: number, what: string): ModelDownloadError {
  if (status === 404) return new ModelDownloadError('not_found', `${what} was not found (404)`, false);
  const transient = status === 408 || status === 429 || status >= 500;
  return new ModelDownloadError('http', `The download server answered ${status} for ${what}`, transient);
}
