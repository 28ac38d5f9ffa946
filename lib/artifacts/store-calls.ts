import path from 'node:path';
import { localKeysIn } from './keys';
import { ArtifactMissingError, type ArtifactCallOptions, type ArtifactStore } from './store';

/**
 * Pulls a key and answers its local path, or null when the store has no such file (removed since, or never
 * written): for the readers that already treat a missing file as an answer of its own.
 */
export async function pullIfStored(store: ArtifactStore, key: string, options?: ArtifactCallOptions): Promise<string | null> {
  try {
    return await store.pull(key, options);
  } catch (err) {
    if (err instanceof ArtifactMissingError) return null;
    throw err;
  }
}

/** Pushes every file under a local folder key (`training/<runId>`), in name order; answers their keys. */
export async function pushFolder(store: ArtifactStore, prefix: string, options?: ArtifactCallOptions): Promise<string[]> {
  const keys = await localKeysIn(store.localPath(prefix), prefix);
  for (const key of keys) await store.push(key, options);
  return keys;
}

/** Whether the store holds a file, without pulling it (a checkpoint is large). */
export async function isStored(store: ArtifactStore, key: string, options?: ArtifactCallOptions): Promise<boolean> {
  return (await store.list(path.posix.dirname(key), options)).some((a) => a.key === key);
}
