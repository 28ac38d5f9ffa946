import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';

const base = { DATA_DIR: '/srv/isengard' };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const s3 = (env: NodeJS.ProcessEnv) => {
  const { artifacts } = loadConfig({ ...base, ...env });
  if (artifacts.kind !== 's3') throw new Error(`expected an S3 store, got ${artifacts.kind}`);
  return artifacts;
};

describe('STORAGE_URL', () => {
  it('is unset by default: the data root is the store', () => {
    expect(loadConfig(base).artifacts).toEqual({ kind: 'data-root' });
  });

  it('reads a self-hosted store with credentials in the URL (path style, plain HTTP, a prefix)', () => {
    const config = loadConfig({ ...base, STORAGE_URL: 's3://AKID:se%2Fcr%2Bet@127.0.0.1:8333/isengard/prod/eu?tls=false' });
    expect(config.artifacts).toEqual({
      kind: 's3',
      endpoint: 'http://127.0.0.1:8333',
      region: 'us-east-1',
      bucket: 'isengard',
      prefix: 'prod/eu',
      forcePathStyle: true,
      accessKeyId: 'AKID',
      secretAccessKey: 'se/cr+et',
      displayUrl: 's3://127.0.0.1:8333/isengard/prod/eu?tls=false',
      cacheBytes: 20 * 1024 ** 3,
      retryForMs: 600_000,
    });
    expect(config.secrets).toContain('se/cr+et');
  });

  it('fits AWS (region from the host, virtual-hosted style), R2, B2 and Garage', () => {
    expect(s3({ STORAGE_URL: 's3://AKID:secret@s3.eu-west-1.amazonaws.com/my-bucket' })).toMatchObject({
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      forcePathStyle: false,
    });
    expect(s3({ STORAGE_URL: 's3://AKID:secret@acc123.r2.cloudflarestorage.com/loras?region=auto' })).toMatchObject({
      endpoint: 'https://acc123.r2.cloudflarestorage.com',
      region: 'auto',
      forcePathStyle: true,
    });
    expect(s3({ STORAGE_URL: 's3://KEY:secret@s3.us-west-004.backblazeb2.com/isengard?region=us-west-004&style=virtual' })).toMatchObject({
      region: 'us-west-004',
      forcePathStyle: false,
    });
    expect(s3({ STORAGE_URL: 's3://GK1:secret@garage.lan:3900/isengard?region=garage&tls=false' })).toMatchObject({
      endpoint: 'http://garage.lan:3900',
      region: 'garage',
      forcePathStyle: true,
    });
  });

  it('takes the credentials from STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY, and the cache and retry settings', () => {
    const config = loadConfig({
      ...base,
      STORAGE_URL: 's3://minio.lan:9000/isengard',
      STORAGE_ACCESS_KEY_ID: 'AKID',
      STORAGE_SECRET_ACCESS_KEY: 'the-secret',
      STORAGE_CACHE_GB: '0.5',
      STORAGE_RETRY_SECONDS: '30',
    });
    expect(config.artifacts).toMatchObject({ accessKeyId: 'AKID', secretAccessKey: 'the-secret', cacheBytes: 512 * 1024 ** 2, retryForMs: 30_000 });
    expect(config.secrets).toContain('the-secret');
  });

  it('refuses a bad STORAGE_URL at start-up with a clear reason, never echoing the secret', () => {
    const url = (value: string) => problems({ ...base, STORAGE_URL: value });
    expect(url('http://AKID:hunter22@host/bucket')).toEqual(['STORAGE_URL must start with s3:// (got http://)']);
    expect(url('not a url')[0]).toMatch(/^STORAGE_URL must be a URL like s3:\/\/ACCESS_KEY:SECRET@host:port\/bucket/);
    expect(url('s3://AKID:hunter22@host')[0]).toMatch(/^STORAGE_URL must name a bucket after the host/);
    expect(url('s3://AKID:hunter22@host/Bad_Bucket')[0]).toMatch(/^STORAGE_URL must name a bucket/);
    expect(url('s3://host/bucket')).toEqual([
      'STORAGE_URL needs an access key and its secret: s3://ACCESS_KEY:SECRET@host/bucket, or STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY',
    ]);
    expect(url('s3://AKID:hunter22@host/bucket?tls=no&colour=red')).toEqual([
      'STORAGE_URL has an unknown option "colour" (known: region, tls, style)',
      'STORAGE_URL option tls must be true or false',
    ]);
    expect(problems({ ...base, STORAGE_URL: 's3://AKID:hunter22@host/bucket', STORAGE_SECRET_ACCESS_KEY: 'other' })).toEqual([
      'STORAGE_URL carries credentials, and so do STORAGE_ACCESS_KEY_ID / STORAGE_SECRET_ACCESS_KEY: give them once',
    ]);
    expect(problems({ ...base, STORAGE_ACCESS_KEY_ID: 'AKID' })).toEqual(['STORAGE_ACCESS_KEY_ID needs STORAGE_URL (the store it is for)']);
    expect(problems({ ...base, STORAGE_CACHE_GB: '0' })).toEqual(['STORAGE_CACHE_GB must be more than 0 (got "0")']);
    const all = [url('s3://AKID:hunter22@host/x'), url('s3://AKID:hunter22@host/bucket?tls=no')].flat().join('\n');
    expect(all).not.toContain('hunter22');
  });
});
