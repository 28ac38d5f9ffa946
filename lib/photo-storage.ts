import path from 'node:path';
import { within, type StoragePaths } from './storage';

/**
 * Where photos live (design §7): `uploads/<characterId>/<photoId>.<ext>` with `<photoId>.thumb.webp` beside it.
 * Every segment is an id the server made, never a name from the upload.
 */
export function photoFiles(storage: StoragePaths, characterId: string, photoId: string) {
  const folder = within(storage.uploads, characterId);
  return {
    folder,
    image: (extension: string) => within(folder, `${photoId}.${extension}`),
    thumbnail: within(folder, `${photoId}.thumb.webp`),
  };
}

/** The thumbnail beside a stored photo, from the photo's path relative to the data root. */
export function thumbnailPathOf(storage: StoragePaths, filePath: string): string {
  const image = within(storage.root, filePath);
  return within(path.dirname(image), `${path.basename(image, path.extname(image))}.thumb.webp`);
}

/** Uploads stream into this folder before they are checked; a dot keeps it out of any dataset walk. */
export function incomingFolder(storage: StoragePaths): string {
  return within(storage.uploads, '.incoming');
}

/** A path relative to the data root, as stored in the database. */
export function relativeToRoot(storage: StoragePaths, file: string): string {
  return path.relative(storage.root, file).split(path.sep).join('/');
}
