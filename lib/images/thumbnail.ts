import type { Pixels } from './pixels';
import { loadSharp } from './sharp';

/** Long side of the preview the web app shows in grids. */
export const THUMBNAIL_SIZE = 320;

/** Writes a small WebP preview of already-upright pixels. */
export async function writeThumbnail(pixels: Pixels, file: string): Promise<void> {
  const { data, width, height, channels } = pixels;
  const sharp = await loadSharp();
  await sharp(data, { raw: { width, height, channels: channels as 1 | 3 | 4 } })
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toFile(file);
}
