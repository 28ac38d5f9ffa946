import { rm, stat } from 'node:fs/promises';
import { keyPath, localKeysUnder } from './keys';
import { ArtifactMissingError, type ArtifactStore, type StoredArtifact } from './store';

async function fileSize(file: string): Promise<number | null> {
  const info = await stat(file).catch(() => null);
  return info?.isFile() ? info.size : null;
}

/**
 * The embedded default (no STORAGE_URL): every process shares one data root, so the data root is the store. A file
 * written is a file stored; `pull` and `push` only check that it is there.
 */
export class DataRootStore implements ArtifactStore {
  readonly kind = 'data-root' as const;

  constructor(private readonly root: string) {}

  localPath(key: string): string {
    return keyPath(this.root, key);
  }

  async pull(key: string): Promise<string> {
    const file = this.localPath(key);
    if ((await fileSize(file)) === null) throw new ArtifactMissingError(key);
    return file;
  }

  async pullFolder(prefix: string): Promise<string[]> {
    return localKeysUnder(this.root, prefix);
  }

  async push(key: string): Promise<void> {
    const file = this.localPath(key);
    if ((await fileSize(file)) === null) throw new Error(`Cannot store "${key}": there is no file at ${file}`);
  }

  async list(prefix: string): Promise<StoredArtifact[]> {
    const keys = await localKeysUnder(this.root, prefix);
    const found = await Promise.all(
      keys.map(async (key): Promise<StoredArtifact | null> => {
        const sizeBytes = await fileSize(this.localPath(key));
        return sizeBytes === null ? null : { key, sizeBytes, sha256: null };
      }),
    );
    return found.filter((artifact) => artifact !== null);
  }

  async remove(keyOrPrefix: string): Promise<void> {
    await rm(this.localPath(keyOrPrefix.replace(/\/+$/, '')), { recursive: true, force: true });
  }

  hold(): () => void {
    return () => {};
  }
}
