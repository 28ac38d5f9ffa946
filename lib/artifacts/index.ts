import type { Config } from '../config';
import type { Logger } from '../logger/logger';
import { DataRootStore } from './data-root';
import { S3ArtifactStore } from './s3';
import type { ArtifactStore } from './store';

export { ArtifactMissingError, type ArtifactCallOptions, type ArtifactStore, type StoredArtifact } from './store';
export { StoreConfigError } from './retry';

/**
 * The artifact store this process uses: the data root itself (no STORAGE_URL), or the S3 store with the data root
 * as this process's bounded cache of it (its index named after the service and worker, so that processes sharing
 * one data root keep one index each).
 */
export function createArtifactStore(config: Pick<Config, 'artifacts' | 'storage' | 'gpu'>, logger: Logger): ArtifactStore {
  if (config.artifacts.kind === 'data-root') return new DataRootStore(config.storage.root);
  return new S3ArtifactStore({
    config: config.artifacts,
    root: config.storage.root,
    logger,
    cacheName: `${logger.service}-${config.gpu.workerId}`,
  });
}
