/**
 * Where the files of jobs live between processes (design §3, issue 25). A key is a file's path relative to the data
 * root with '/' separators, the same relative paths the database and the workflows already carry
 * (`uploads/…`, `datasets/<runId>/…`, `training/<runId>/…`, `models/loras/…`, `outputs/<generationId>/…`).
 *
 * - `data-root` (no STORAGE_URL, the embedded default): every process shares one data root, so a file written is a
 *   file stored; `pull` and `push` only check and do nothing else.
 * - `s3` (STORAGE_URL set): the store is the truth; each process's data root is its local copy. A process pushes
 *   what it writes and pulls what it reads; a GPU worker's copies are a bounded cache (least recently used first,
 *   never a file in use or not yet pushed).
 *
 * Base models are not artifacts: they stay on each host's disk.
 */
export interface ArtifactStore {
  readonly kind: 'data-root' | 's3';
  /** This process's path for a key (where it is read and written locally). Refuses keys that leave the data root. */
  localPath(key: string): string;
  /**
   * Makes the file present and whole locally (downloaded and checked against its recorded sha256 when the local copy
   * is absent or differs) and returns its local path. Waits out a store that is briefly unreachable (bounded), ends
   * early when `signal` aborts, and throws `ArtifactMissingError` when the store has no such key.
   */
  pull(key: string, options?: ArtifactCallOptions): Promise<string>;
  /** Pulls every file under a folder key (`datasets/<runId>`); returns their keys. An empty folder is not an error. */
  pullFolder(prefix: string, options?: ArtifactCallOptions): Promise<string[]>;
  /** Stores the local file at `localPath(key)` with its sha256 (multipart when large); waits out outages like `pull`. */
  push(key: string, options?: ArtifactCallOptions): Promise<void>;
  /** What the store holds under a folder key. */
  list(prefix: string, options?: ArtifactCallOptions): Promise<StoredArtifact[]>;
  /** Removes a key, or every key under a folder key, from the store and from the local copy. */
  remove(keyOrPrefix: string, options?: ArtifactCallOptions): Promise<void>;
  /**
   * Keeps the local copies of these keys (files, or every file under a folder key) from being evicted from a bounded
   * cache until the returned function is called: a job holds its inputs while it runs. Calling it twice is harmless.
   */
  hold(keys: string[]): () => void;
}

export interface ArtifactCallOptions {
  signal?: AbortSignal;
}

export interface StoredArtifact {
  key: string;
  sizeBytes: number;
  /** Hex sha256 recorded when the file was pushed; null for a file the store got some other way. */
  sha256: string | null;
}

export class ArtifactMissingError extends Error {
  constructor(readonly key: string) {
    super(`The file "${key}" is not in the store.`);
    this.name = 'ArtifactMissingError';
  }
}
