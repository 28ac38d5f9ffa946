import type { PhotoFaces } from '../contracts/likeness';

/** One training photo as the likeness of a picture is measured against it. */
export interface ReferencePhoto {
  photoId: string;
  /** Its main face's embedding. */
  embedding: number[];
  /** Its perceptual hash (lib/images/phash.ts), to tell a copy of the photo from a new picture of the person. */
  phash: string | null;
}

/**
 * The reference of a character: its photos that show one person with a face the scorer `scorer` (`id@version`)
 * embedded. Photos analysed by another scorer are left out (embeddings of different scorers are never compared).
 */
export function referencePhotos(
  photos: ReadonlyArray<{ id: string; faces: PhotoFaces | null; phash: string | null }>,
  scorer: string,
): ReferencePhoto[] {
  return photos.flatMap((photo) => {
    const faces = photo.faces;
    if (!faces || faces.scorer !== scorer || !faces.embedding || faces.faces.length !== 1) return [];
    return [{ photoId: photo.id, embedding: faces.embedding, phash: photo.phash }];
  });
}
