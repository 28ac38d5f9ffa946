import { stat } from 'node:fs/promises';
import type { Response } from 'express';
import { artifactKey } from '../lib/artifacts/keys';
import { pullIfStored } from '../lib/artifacts/store-calls';
import type { ArtifactStore } from '../lib/artifacts/store';
import { notFound } from './errors';

export interface SendFileOptions {
  /** What the file is, for the 404 when it is gone from disk ("Photo file"). */
  what: string;
  /** Set when the extension does not tell it (the type otherwise comes from the file name). */
  contentType?: string;
  cacheControl: string;
  /** Offer it as a download under this name. */
  downloadName?: string;
}

/**
 * Streams a file from the data root with safe headers. Paths come from the database, never from the request.
 * A file missing on disk becomes a 404 (thrown to the error handler) rather than a broken response.
 */
export function sendStoredFile(res: Response, file: string, options: SendFileOptions): Promise<void> {
  if (options.contentType) res.setHeader('Content-Type', options.contentType);
  res.setHeader('Cache-Control', options.cacheControl);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (options.downloadName) res.attachment(options.downloadName);
  return new Promise((resolve, reject) => {
    res.sendFile(file, { cacheControl: false, dotfiles: 'allow' }, (err) => {
      if (!err) resolve();
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') reject(notFound(options.what));
      else reject(err);
    });
  });
}

/**
 * This host's copy of a stored file (key: its path relative to the data root), pulled from the artifact store when
 * it is not here (a GPU worker wrote it). A file the store lacks keeps its local path: sending it answers 404.
 */
export async function localCopy(store: ArtifactStore, key: string): Promise<string> {
  const file = store.localPath(artifactKey(key));
  if ((await stat(file).catch(() => null))?.isFile()) return file;
  return (await pullIfStored(store, artifactKey(key))) ?? file;
}
