import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { PhotoFaces } from '../../lib/contracts/likeness';
import type { Photo, PhotoChecksContract } from '../../lib/contracts/photos';
import type { Fingerprint } from '../../lib/images/phash';
import type { Database } from '../client';
import { characterIsLive } from './characters';
import { characters, photos } from '../schema';

type Row = typeof photos.$inferSelect;

/** The columns a photo's contract shows (not its file path, fingerprints or sharpness). */
const photoColumns = {
  id: photos.id,
  characterId: photos.characterId,
  originalName: photos.originalName,
  mimeType: photos.mimeType,
  sizeBytes: photos.sizeBytes,
  width: photos.width,
  height: photos.height,
  caption: photos.caption,
  checks: photos.checks,
  excluded: photos.excluded,
  keptAnywayAt: photos.keptAnywayAt,
  faces: photos.faces,
  createdAt: photos.createdAt,
};

export function toPhoto(row: Pick<Row, keyof typeof photoColumns>): Photo {
  return {
    id: row.id,
    characterId: row.characterId,
    originalName: row.originalName,
    mimeType: row.mimeType,
    sizeBytes: row.sizeBytes,
    width: row.width,
    height: row.height,
    caption: row.caption,
    checks: row.checks,
    excluded: row.excluded,
    keptAnyway: row.keptAnywayAt !== null,
    analysis: row.faces ? 'done' : 'pending',
    url: `/api/photos/${row.id}/file`,
    thumbnailUrl: `/api/photos/${row.id}/thumbnail`,
    createdAt: row.createdAt.toISOString(),
  };
}

const liveCharacterIds = (db: Database) =>
  db.select({ id: characters.id }).from(characters).where(isNull(characters.deletedAt));

/** A photo that is not deleted and whose character is not deleted either. */
const livePhoto = (db: Database, id: string) =>
  and(eq(photos.id, id), isNull(photos.deletedAt), inArray(photos.characterId, liveCharacterIds(db)));

const ofCharacter = (characterId: string) => and(eq(photos.characterId, characterId), isNull(photos.deletedAt));

export interface NewPhoto {
  id: string;
  characterId: string;
  originalName: string;
  /** Relative to the data root. */
  filePath: string;
  mimeType: string;
  /** Of the stored file (the original bytes when they were kept). */
  sha256: string;
  sizeBytes: number;
  width: number;
  height: number;
  exifOrientation: number;
  phash: string;
  sharpness: number;
  caption: string;
  checks: PhotoChecksContract;
}

export async function insertPhoto(db: Database, values: NewPhoto): Promise<Photo> {
  const [row] = await db.insert(photos).values(values).returning();
  return toPhoto(row!);
}

/** The live photos of a character, oldest first (none when the character is deleted). */
export async function listPhotos(db: Database, characterId: string): Promise<Photo[]> {
  const rows = await db
    .select(photoColumns)
    .from(photos)
    .where(and(ofCharacter(characterId), characterIsLive(characterId)))
    .orderBy(asc(photos.createdAt), asc(photos.id));
  return rows.map(toPhoto);
}

/** What duplicate detection compares a new photo with: every live photo of the character. */
export async function photoFingerprints(db: Database, characterId: string): Promise<Fingerprint[]> {
  return db
    .select({ id: photos.id, sha256: photos.sha256, phash: photos.phash })
    .from(photos)
    .where(ofCharacter(characterId))
    .orderBy(asc(photos.createdAt), asc(photos.id));
}

export async function countPhotos(db: Database, characterId: string): Promise<number> {
  return db.$count(photos, ofCharacter(characterId));
}

export async function getPhoto(db: Database, id: string): Promise<Photo | undefined> {
  const [row] = await db.select().from(photos).where(livePhoto(db, id));
  return row ? toPhoto(row) : undefined;
}

/** Where a live photo's file is, relative to the data root, and its media type. */
export async function getPhotoFile(db: Database, id: string): Promise<{ filePath: string; mimeType: string } | undefined> {
  const [row] = await db
    .select({ filePath: photos.filePath, mimeType: photos.mimeType })
    .from(photos)
    .where(livePhoto(db, id));
  return row;
}

export async function updatePhoto(
  db: Database,
  id: string,
  patch: { caption?: string | undefined; excluded?: boolean | undefined; keepAnyway?: boolean | undefined },
): Promise<Photo | undefined> {
  const { keepAnyway, ...columns } = patch;
  const kept = keepAnyway === undefined ? {} : { keptAnywayAt: keepAnyway ? new Date() : null };
  const [row] = await db
    .update(photos)
    .set({ ...columns, ...kept, updatedAt: new Date() })
    .where(livePhoto(db, id))
    .returning();
  return row ? toPhoto(row) : undefined;
}

/**
 * Soft delete. The files stay on disk until the character is purged: a training run may have frozen this photo
 * into its dataset (training_runs.photo_ids). False when there was nothing to delete.
 */
export async function deletePhoto(db: Database, id: string): Promise<boolean> {
  const rows = await db
    .update(photos)
    .set({ deletedAt: new Date() })
    .where(livePhoto(db, id))
    .returning({ id: photos.id });
  return rows.length > 0;
}

/** Photos not analysed yet (faces null), of live characters, oldest first: what the photo checks still owe. */
export async function pendingPhotos(db: Database): Promise<Array<{ id: string; characterId: string }>> {
  return db
    .select({ id: photos.id, characterId: photos.characterId })
    .from(photos)
    .where(and(isNull(photos.faces), isNull(photos.deletedAt), inArray(photos.characterId, liveCharacterIds(db))))
    .orderBy(asc(photos.createdAt), asc(photos.id));
}

/** What the analysis of a live photo reads: its file (relative to the data root), upright size and checks. */
export async function photoToAnalyse(db: Database, id: string) {
  const [row] = await db
    .select({
      id: photos.id,
      characterId: photos.characterId,
      filePath: photos.filePath,
      width: photos.width,
      height: photos.height,
      sharpness: photos.sharpness,
      checks: photos.checks,
    })
    .from(photos)
    .where(livePhoto(db, id));
  return row;
}

/** Records what the analysis found; false when the photo is gone meanwhile. */
export async function saveAnalysis(db: Database, id: string, faces: PhotoFaces, checks: PhotoChecksContract): Promise<boolean> {
  const rows = await db.update(photos).set({ faces, checks }).where(livePhoto(db, id)).returning({ id: photos.id });
  return rows.length > 0;
}

/** A live photo of a character as the set-level checks see it. */
export interface PhotoInSet {
  id: string;
  sha256: string;
  phash: string | null;
  excluded: boolean;
  faces: PhotoFaces | null;
  checks: PhotoChecksContract;
}

/** Every live photo of a character, oldest first, for the set-level checks. */
export async function photosInSet(db: Database, characterId: string): Promise<PhotoInSet[]> {
  return db
    .select({
      id: photos.id,
      sha256: photos.sha256,
      phash: photos.phash,
      excluded: photos.excluded,
      faces: photos.faces,
      checks: photos.checks,
    })
    .from(photos)
    .where(ofCharacter(characterId))
    .orderBy(asc(photos.createdAt), asc(photos.id));
}

/** Replaces a live photo's checks. */
export async function saveChecks(db: Database, id: string, checks: PhotoChecksContract): Promise<void> {
  await db.update(photos).set({ checks }).where(livePhoto(db, id));
}
