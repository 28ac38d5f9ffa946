import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import type { Photo } from '../../../../../lib/contracts/photos';
import { photosQueryOptions } from '../../../lib/queries/photos';
import { uploadPhoto } from '../api/upload-photo';
import { checkFiles } from '../utils/check-files';

export type UploadStatus = 'waiting' | 'uploading' | 'checking' | 'added' | 'rejected' | 'failed' | 'cancelled';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  status: UploadStatus;
  /** Bytes sent, 0..size. */
  sent: number;
  /** Why a file was refused or failed, in plain words. */
  reason?: string;
  /** The stored photo, once added. */
  photo?: Photo;
}

const ACTIVE: readonly UploadStatus[] = ['waiting', 'uploading', 'checking'];
export const isActiveUpload = (item: UploadItem) => ACTIVE.includes(item.status);

/** Files sent at once: enough to keep the line busy, few enough that each file's progress means something. */
const CONCURRENCY = 2;

let counter = 0;

/**
 * The upload queue of one character, outside React: checks each file in the browser, then sends them one per
 * request, two at a time, with per-file progress. `onChange` receives every new state of the list.
 */
class UploadQueue {
  private items: UploadItem[] = [];
  private readonly files = new Map<string, File>();
  private readonly controllers = new Map<string, AbortController>();
  private closed = false;

  constructor(
    private readonly characterId: string,
    private readonly onChange: (items: UploadItem[]) => void,
    private readonly onStored: () => void,
  ) {}

  add(chosen: File[], existingPhotos: number): void {
    const checks = checkFiles(chosen, existingPhotos + this.items.filter(isActiveUpload).length);
    const added = chosen.map((file, i): UploadItem => {
      const key = `upload-${++counter}`;
      const check = checks[i]!;
      if (check.ok) this.files.set(key, file);
      return { key, name: file.name, size: file.size, status: check.ok ? 'waiting' : 'rejected', sent: 0, reason: check.ok ? undefined : check.reason };
    });
    this.items = [...this.items, ...added];
    this.publish();
    this.pump();
  }

  cancel(key: string): void {
    const controller = this.controllers.get(key);
    if (controller) controller.abort();
    else {
      this.files.delete(key);
      this.patch(key, { status: 'cancelled' });
    }
  }

  clearFinished(): void {
    this.items = this.items.filter(isActiveUpload);
    this.publish();
  }

  open(): void {
    this.closed = false;
  }

  /** Leaving the page cancels what has not been sent. */
  close(): void {
    this.closed = true;
    for (const controller of this.controllers.values()) controller.abort();
  }

  private publish(): void {
    if (!this.closed) this.onChange(this.items);
  }

  private patch(key: string, change: Partial<UploadItem>): void {
    this.items = this.items.map((item) => (item.key === key ? { ...item, ...change } : item));
    this.publish();
  }

  private pump(): void {
    while (!this.closed && this.controllers.size < CONCURRENCY) {
      const next = this.items.find((item) => item.status === 'waiting');
      const file = next && this.files.get(next.key);
      if (!next || !file) return;
      this.send(next.key, file);
    }
  }

  private send(key: string, file: File): void {
    const controller = new AbortController();
    this.controllers.set(key, controller);
    this.patch(key, { status: 'uploading' });
    uploadPhoto(this.characterId, file, {
      signal: controller.signal,
      onProgress: (sent, total) => this.patch(key, { sent: (sent / total) * file.size, status: sent >= total ? 'checking' : 'uploading' }),
    })
      .then((result) => {
        const photo = result.accepted[0];
        const rejection = result.rejected[0];
        if (photo) this.patch(key, { status: 'added', sent: file.size, photo });
        else this.patch(key, { status: 'rejected', sent: file.size, reason: rejection?.reason ?? 'The server did not keep this file' });
        this.onStored();
      })
      .catch((err: unknown) => {
        if (err instanceof DOMException && err.name === 'AbortError') this.patch(key, { status: 'cancelled' });
        else this.patch(key, { status: 'failed', reason: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.controllers.delete(key);
        this.files.delete(key);
        this.pump();
      });
  }
}

/**
 * The upload queue of a character's page (render it keyed by the character); the character's photo list is
 * refreshed as files land.
 */
export function usePhotoUploads(characterId: string, existingPhotos: number) {
  const queryClient = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [queue] = useState(
    () =>
      new UploadQueue(characterId, setItems, () => void queryClient.invalidateQueries({ queryKey: photosQueryOptions(characterId).queryKey })),
  );

  useEffect(() => {
    queue.open();
    return () => queue.close();
  }, [queue]);

  const add = useCallback((files: File[]) => queue.add(files, existingPhotos), [queue, existingPhotos]);
  const cancel = useCallback((key: string) => queue.cancel(key), [queue]);
  const clearFinished = useCallback(() => queue.clearFinished(), [queue]);

  return { items, add, cancel, clearFinished, busy: items.some(isActiveUpload) };
}
