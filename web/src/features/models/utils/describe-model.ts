import type { BaseModel, ModelFile } from '../../../../../lib/contracts/models';
import { formatBytes } from '../../../lib/format';

/** "1.2 GB of 23 GB", or just what is known. */
export function bytesText(done: number, total: number | null): string {
  if (total === null) return done > 0 ? `${formatBytes(done)} so far` : 'size not known yet';
  return `${formatBytes(done)} of ${formatBytes(total)}`;
}

export function percent(done: number, total: number | null): number | undefined {
  return total ? Math.min(100, Math.floor((done / total) * 100)) : undefined;
}

export const STATE_LABELS: Record<BaseModel['state'], string> = {
  missing: 'Not downloaded',
  downloading: 'Downloading',
  ready: 'Ready',
  failed: 'Failed',
};

export const STATE_TONES = { missing: 'neutral', downloading: 'info', ready: 'success', failed: 'danger' } as const;

/** A download whose last try failed, and that tries again by itself: the reason, as the page shows it. */
export function retryingText(reason: string): string {
  return `Trying again: ${reason.replace(/\.$/, '')}`;
}

/** Why a file of a running download is being tried again, if it is. */
export function fileRetrying(file: ModelFile, modelDownloading: boolean): string | null {
  return modelDownloading && (file.state === 'downloading' || file.state === 'missing') ? file.retrying : null;
}

/** A file's line, in plain words. */
export function fileStatus(file: ModelFile, modelDownloading: boolean): string {
  const retrying = fileRetrying(file, modelDownloading);
  if (retrying) return `${retryingText(retrying)} · ${bytesText(file.bytesDone, file.totalBytes)}`;
  switch (file.state) {
    case 'ready':
      return `Ready · ${formatBytes(file.bytesDone)}`;
    case 'downloading':
      return `Downloading · ${bytesText(file.bytesDone, file.totalBytes)}`;
    case 'failed':
      return 'Failed';
    case 'missing':
      if (modelDownloading) return file.bytesDone > 0 ? `Waiting · ${bytesText(file.bytesDone, file.totalBytes)} kept` : 'Waiting for its turn';
      return file.bytesDone > 0 ? `Partly downloaded · ${bytesText(file.bytesDone, file.totalBytes)} (the download continues from there)` : 'Not downloaded';
  }
}

/** What to do about a failure, in plain words; the server's message carries the details. */
export function errorAdvice(code: string): string {
  switch (code) {
    case 'gated':
      return 'This model needs its licence accepted on Hugging Face, and an access token set by whoever runs Isengard.';
    case 'unauthorized':
      return 'Hugging Face did not accept the access token. Whoever runs Isengard needs to set a valid one as HF_TOKEN.';
    case 'checksum_mismatch':
    case 'size_mismatch':
      return 'The file that arrived was damaged or not the right one, so it was thrown away. Downloading again usually fixes it.';
    case 'changed_upstream':
      return 'Hugging Face now serves a different file than the one Isengard expects. Whoever runs Isengard should update it.';
    case 'not_found':
      return 'Hugging Face does not have this file (any more). Whoever runs Isengard should check the download address.';
    case 'network':
    case 'http':
      return 'The download kept failing. Check the internet connection of the server, then download again: it continues where it stopped.';
    default:
      return 'Download again to retry; what was already downloaded is kept.';
  }
}
