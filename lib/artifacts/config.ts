/**
 * STORAGE_URL: where artifacts live when processes do not share one data root (design §3/§7, issue 25).
 *
 *   s3://[ACCESS_KEY:SECRET@]host[:port]/bucket[/prefix][?region=…&tls=false&style=path|virtual]
 *
 * - `host[:port]`: the S3 endpoint (`s3.eu-west-1.amazonaws.com`, `<account>.r2.cloudflarestorage.com`,
 *   `s3.us-west-004.backblazeb2.com`, `127.0.0.1:8333` for SeaweedFS, `127.0.0.1:3900` for Garage).
 * - `bucket`, then an optional key prefix (folders inside the bucket) shared by every key this instance stores.
 * - `region`: the region requests are signed for: from an AWS host name, else `us-east-1` (R2 takes `auto`,
 *   Garage its `s3_region`, `garage` by default).
 * - `tls=false`: plain HTTP (a store on the same host or private network). HTTPS otherwise.
 * - `style`: `path` (`host/bucket/key`, what self-hosted stores serve) unless the host is AWS's, where `virtual`
 *   (`bucket.host/key`) is the default.
 * - Credentials: in the URL (URL-encoded), or STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY, not both.
 */
export interface S3StoreConfig {
  kind: 's3';
  /** `http(s)://host[:port]`. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Key prefix inside the bucket without slashes at either end; '' for none. */
  prefix: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** STORAGE_URL without its secret, for messages. */
  displayUrl: string;
  /** Size limit of this process's local copies of stored files (STORAGE_CACHE_GB). */
  cacheBytes: number;
  /** How long a call waits out a store that is unreachable or failing (STORAGE_RETRY_SECONDS) before it fails. */
  retryForMs: number;
}

export type ArtifactStoreConfig = { kind: 'data-root' } | S3StoreConfig;

export const DEFAULT_CACHE_GB = 20;
export const DEFAULT_RETRY_SECONDS = 600;

export interface StorageEnv {
  url: string | undefined;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  cacheGb: number;
  retrySeconds: number;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads STORAGE_URL and its companions; answers the problems (each naming its variable) or the store's settings. */
export function parseStorageConfig(env: StorageEnv): { config: ArtifactStoreConfig; problems: string[] } {
  const dataRoot = { config: { kind: 'data-root' as const }, problems: [] };
  if (!env.url) {
    const stray = [env.accessKeyId && 'STORAGE_ACCESS_KEY_ID', env.secretAccessKey && 'STORAGE_SECRET_ACCESS_KEY'].filter(Boolean);
    return stray.length > 0 ? { ...dataRoot, problems: [`${stray.join(' and ')} ${stray.length > 1 ? 'need' : 'needs'} STORAGE_URL (the store ${stray.length > 1 ? 'they are' : 'it is'} for)`] } : dataRoot;
  }
  const problems: string[] = [];
  const fail = (problem: string) => ({ ...dataRoot, problems: [`STORAGE_URL ${problem}`] });
  let url: URL;
  try {
    url = new URL(env.url);
  } catch {
    return fail('must be a URL like s3://ACCESS_KEY:SECRET@host:port/bucket (see the README)');
  }
  if (url.protocol !== 's3:') return fail(`must start with s3:// (got ${url.protocol}//)`);
  if (!url.hostname) return fail('must name the store\'s host, as in s3://host:port/bucket');
  const [bucket = '', ...prefixParts] = url.pathname.split('/').filter((part) => part !== '');
  if (!BUCKET.test(bucket)) problems.push('STORAGE_URL must name a bucket after the host (3 to 63 lower-case letters, digits, dots or dashes), as in s3://host:port/bucket');

  const known = new Set(['region', 'tls', 'style']);
  for (const name of url.searchParams.keys()) {
    if (!known.has(name)) problems.push(`STORAGE_URL has an unknown option "${name}" (known: region, tls, style)`);
  }
  const tls = url.searchParams.get('tls') ?? 'true';
  if (!['true', 'false'].includes(tls)) problems.push('STORAGE_URL option tls must be true or false');
  const style = url.searchParams.get('style');
  if (style !== null && !['path', 'virtual'].includes(style)) problems.push('STORAGE_URL option style must be path or virtual');
  const isAws = /(^|\.)amazonaws\.com$/.test(url.hostname);
  const region = url.searchParams.get('region') ?? /^s3[.-]([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ?? 'us-east-1';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(region)) problems.push('STORAGE_URL option region must be a region name, e.g. us-east-1');

  const inUrl = { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) };
  const inVars = { accessKeyId: env.accessKeyId ?? '', secretAccessKey: env.secretAccessKey ?? '' };
  if ((inUrl.accessKeyId || inUrl.secretAccessKey) && (inVars.accessKeyId || inVars.secretAccessKey)) {
    problems.push('STORAGE_URL carries credentials, and so do STORAGE_ACCESS_KEY_ID / STORAGE_SECRET_ACCESS_KEY: give them once');
  }
  const credentials = inUrl.accessKeyId || inUrl.secretAccessKey ? inUrl : inVars;
  if (!credentials.accessKeyId || !credentials.secretAccessKey) {
    problems.push('STORAGE_URL needs an access key and its secret: s3://ACCESS_KEY:SECRET@host/bucket, or STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY');
  }
  if (problems.length > 0) return { ...dataRoot, problems };

  const endpoint = `${tls === 'true' ? 'https' : 'http'}://${url.host}`;
  const prefix = prefixParts.join('/');
  return {
    config: {
      kind: 's3',
      endpoint,
      region,
      bucket,
      prefix,
      forcePathStyle: (style ?? (isAws ? 'virtual' : 'path')) === 'path',
      ...credentials,
      displayUrl: `s3://${url.host}/${[bucket, prefix].filter(Boolean).join('/')}${url.search}`,
      cacheBytes: Math.round(env.cacheGb * 1024 ** 3),
      retryForMs: env.retrySeconds * 1000,
    },
    problems: [],
  };
}

/** The store's secrets, for `config.secrets` (never logged). */
export function storageSecrets(config: ArtifactStoreConfig): string[] {
  return config.kind === 's3' ? [config.secretAccessKey] : [];
}
