import { S3Client } from '@aws-sdk/client-s3';
import type { S3StoreConfig } from './config';

// The pinned SDK supports Node 20; its notice that later releases will not would land on every process's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * An S3 client for any S3-compatible store. One try per request (`withRetries` decides about waiting), an idle
 * connection given up after a minute, and checksums only where S3 requires them: the stores beside AWS (R2, B2,
 * Garage, SeaweedFS) do not all take the SDK's newer default ones, and the sha256 this store records covers the data.
 */
export function createS3Client(config: Pick<S3StoreConfig, 'endpoint' | 'region' | 'forcePathStyle' | 'accessKeyId' | 'secretAccessKey'>): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 60_000 },
  });
}
