import { writeFile } from 'node:fs/promises';
import type { Pixels } from './pixels';
import { loadSharp } from './sharp';

/** Long side of the preview the web app shows in grids. */
export const THUMBNAIL_SIZE = 320;

/**
 * Writes a small WebP preview of already-upright pixels. Encoded in memory (a few kilobytes) and written by Node,
 * so a full disk fails with its own code (ENOSPC) rather than a libvips message.
 */
export async function writeThumbnail(pixels: Pixels, file: string): Promise<void> {
  const { data, width, height, channels } = pixels;
  const sharp = await loadSharp();
  const webp = await sharp(data, { raw: { width, height, channels: channels as 1 | 3 | 4 } })
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  await writeFile(file, webp);
}
