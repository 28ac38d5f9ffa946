import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { within } from '../storage';

/**
 * The local path of a key under the data root. A key is a relative path with '/' separators; one that is empty,
 * absolute or leaves the data root is refused (keys come from our own records, never from user input).
 */
export function keyPath(root: string, key: string): string {
  if (key === '' || key.startsWith('/') || key.includes('\\') || key.split('/').some((part) => part === '..')) {
    throw new Error(`Not a key inside the data root: "${key}"`);
  }
  return within(root, ...key.split('/'));
}

/** A folder key as a prefix to match keys under it ('datasets/run1' → 'datasets/run1/'); '' matches everything. */
export function folderPrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** Whether `key` is `keyOrPrefix` itself or lies under it as a folder. */
export function isUnder(key: string, keyOrPrefix: string): boolean {
  const trimmed = keyOrPrefix.replace(/\/+$/, '');
  return trimmed === '' || key === trimmed || key.startsWith(`${trimmed}/`);
}

/** A path relative to the data root, as the store's keys and the database spell it ('/' separators). */
export function artifactKey(...segments: string[]): string {
  return segments
    .flatMap((s) => s.split(/[\\/]+/))
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/** The hidden file a download is written to before it is checked and renamed to its key's path. */
export function partialDownloadName(fileName: string, suffix: string): string {
  return `.${fileName}.${suffix}.partial`;
}
const PARTIAL_DOWNLOAD = /^\..+\.[0-9a-f]+\.partial$/;

/**
 * Every file under a local folder, as keys under `prefix`, sorted. A missing folder has none; a download under way
 * (or one a crash cut off) is not a file of the store.
 */
export async function localKeysIn(folder: string, prefix: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && !PARTIAL_DOWNLOAD.test(entry.name))
    .map((entry) => artifactKey(prefix, path.relative(folder, path.join(entry.parentPath, entry.name))))
    .sort();
}

/** Every file under a folder key of the data root, as keys, sorted. */
export function localKeysUnder(root: string, prefix: string): Promise<string[]> {
  const trimmed = prefix.replace(/\/+$/, '');
  return localKeysIn(trimmed === '' ? root : keyPath(root, trimmed), trimmed);
}
