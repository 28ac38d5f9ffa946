import type { Response } from 'express';
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
