import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { replaceAllLiteral, type CaptionJob, type CaptionJobStatus, type CaptionStyle } from '../../lib/contracts/captions';
import type { FaceBoxContract } from '../../lib/contracts/likeness';
import { DEFAULT_CAPTION, PHOTO_LIMITS } from '../../lib/contracts/photos';
import type { Database } from '../client';
import { characterIsLive } from './characters';
import { captionJobs, characters, photos } from '../schema';

type JobRow = typeof captionJobs.$inferSelect;

export function toCaptionJob(row: JobRow): CaptionJob {
  return {
    id: row.id,
    characterId: row.characterId,
    status: row.status,
    style: row.style,
    explicit: row.photoIds !== null,
    total: row.total,
    done: row.done,
    skipped: row.skipped,
    error: row.errorMessage,
    engine: row.engine,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** Deterministic from the job's id, so a retried start cannot run a job twice. */
export function captionWorkflowId(jobId: string): string {
  return `captions-${jobId}`;
}

/**
 * A caption the user wrote: neither empty, nor the default a new photo gets, nor the captioner's last text. The
 * captioner leaves those alone unless the user chose the photo.
 */
export function isUserCaption(caption: string, autoCaption: string | null): boolean {
  return caption.trim() !== '' && caption !== DEFAULT_CAPTION && caption !== autoCaption;
}

/** SQL twin of {@link isUserCaption}: a caption the captioner may write over. */
const notUserCaption = sql`(trim(${photos.caption}) = '' or ${photos.caption} = ${DEFAULT_CAPTION} or ${photos.caption} = ${photos.autoCaption})`;

/** Another caption job of the character is queued or running. */
export class CaptionJobBusyError extends Error {
  constructor(readonly running: CaptionJob) {
    super('Captions are already being written for this character');
    this.name = 'CaptionJobBusyError';
  }
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

const ACTIVE: CaptionJobStatus[] = ['queued', 'running'];

export async function createCaptionJob(
  db: Database,
  input: { id: string; characterId: string; style: CaptionStyle; photoIds: string[] | undefined; correlationId: string | undefined },
): Promise<CaptionJob> {
  try {
    const [row] = await db
      .insert(captionJobs)
      .values({
        id: input.id,
        characterId: input.characterId,
        style: input.style,
        photoIds: input.photoIds ?? null,
        workflowId: captionWorkflowId(input.id),
        correlationId: input.correlationId ?? null,
      })
      .returning();
    return toCaptionJob(row!);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const [running] = await db
      .select()
      .from(captionJobs)
      .where(and(eq(captionJobs.characterId, input.characterId), inArray(captionJobs.status, ACTIVE)));
    if (!running) throw err;
    throw new CaptionJobBusyError(toCaptionJob(running));
  }
}

export async function getCaptionJobRow(db: Database, id: string): Promise<JobRow | undefined> {
  const [row] = await db.select().from(captionJobs).where(eq(captionJobs.id, id));
  return row;
}

export async function getCaptionJob(db: Database, id: string): Promise<CaptionJob | undefined> {
  const row = await getCaptionJobRow(db, id);
  return row ? toCaptionJob(row) : undefined;
}

/** The newest caption job of a character. */
export async function latestCaptionJob(db: Database, characterId: string): Promise<CaptionJob | undefined> {
  const [row] = await db
    .select()
    .from(captionJobs)
    .where(eq(captionJobs.characterId, characterId))
    .orderBy(desc(captionJobs.createdAt), desc(captionJobs.id))
    .limit(1);
  return row ? toCaptionJob(row) : undefined;
}

/** One photo as the captioner sees it: its file (relative to the data root) and its main face, if one was found. */
export interface PhotoToCaption {
  photoId: string;
  filePath: string;
  width: number;
  height: number;
  /** In the photo's pixels (EXIF orientation applied). */
  faceBox: FaceBoxContract | null;
}

export interface CaptionPlan {
  style: CaptionStyle;
  explicit: boolean;
  triggerWord: string;
  photos: PhotoToCaption[];
}

/**
 * Decides what a job captions and marks it running: the chosen photos (all of them), or every live photo of the
 * character whose caption the user has not written. Undefined when the job or its character is gone.
 */
export async function startCaptionJob(db: Database, jobId: string, engine: string): Promise<CaptionPlan | undefined> {
  const [job] = await db.select().from(captionJobs).where(eq(captionJobs.id, jobId));
  if (!job) return undefined;
  const [character] = await db
    .select({ triggerWord: characters.triggerWord })
    .from(characters)
    .where(and(eq(characters.id, job.characterId), isNull(characters.deletedAt)));
  if (!character) return undefined;
  const explicit = job.photoIds !== null;
  const rows = await db
    .select({
      id: photos.id,
      filePath: photos.filePath,
      width: photos.width,
      height: photos.height,
      faces: photos.faces,
      caption: photos.caption,
      autoCaption: photos.autoCaption,
    })
    .from(photos)
    .where(
      and(
        eq(photos.characterId, job.characterId),
        isNull(photos.deletedAt),
        characterIsLive(job.characterId),
        explicit ? inArray(photos.id, job.photoIds!.length ? job.photoIds! : ['00000000-0000-0000-0000-000000000000']) : undefined,
      ),
    )
    .orderBy(asc(photos.createdAt), asc(photos.id));
  const chosen = explicit ? rows : rows.filter((r) => !isUserCaption(r.caption, r.autoCaption));
  await db
    .update(captionJobs)
    .set({
      status: 'running',
      total: chosen.length,
      skipped: rows.length - chosen.length,
      engine,
      startedAt: job.startedAt ?? new Date(),
      updatedAt: new Date(),
    })
    .where(and(eq(captionJobs.id, jobId), inArray(captionJobs.status, ACTIVE)));
  return {
    style: job.style,
    explicit,
    triggerWord: character.triggerWord,
    photos: chosen.map((r) => ({
      photoId: r.id,
      filePath: r.filePath,
      width: r.width,
      height: r.height,
      faceBox: mainFaceBox(r.faces, r.width, r.height),
    })),
  };
}

/** The largest face, scaled to the photo's stored size (the analysis may have decoded it at another size). */
function mainFaceBox(faces: typeof photos.$inferSelect.faces, width: number, height: number): FaceBoxContract | null {
  const face = faces?.faces[0];
  if (!faces || !face || !faces.width || !faces.height) return null;
  const sx = width / faces.width;
  const sy = height / faces.height;
  return { x: face.box.x * sx, y: face.box.y * sy, width: face.box.width * sx, height: face.box.height * sy };
}

/**
 * Records captions as the captioner writes them. Without `explicit`, a caption the user edited meanwhile is kept
 * (the check and the write are one statement). Answers how many photos took the new caption.
 */
export async function recordCaptions(
  db: Database,
  jobId: string,
  explicit: boolean,
  captions: Array<{ photoId: string; caption: string }>,
): Promise<number> {
  let written = 0;
  await db.transaction(async (tx) => {
    for (const { photoId, caption } of captions) {
      const text = caption.slice(0, PHOTO_LIMITS.captionMaxLength);
      const rows = await tx
        .update(photos)
        .set({ caption: text, autoCaption: text, updatedAt: new Date() })
        .where(and(eq(photos.id, photoId), isNull(photos.deletedAt), explicit ? undefined : notUserCaption))
        .returning({ id: photos.id });
      written += rows.length;
    }
    await tx
      .update(captionJobs)
      .set({ done: sql`${captionJobs.done} + ${captions.length}`, skipped: sql`${captionJobs.skipped} + ${captions.length - written}`, updatedAt: new Date() })
      .where(eq(captionJobs.id, jobId));
  });
  return written;
}

/** Ends a job (once: a job that has ended keeps its first ending); true when this call ended it. */
export async function finishCaptionJob(db: Database, jobId: string, status: Exclude<CaptionJobStatus, 'queued' | 'running'>, error: string | null): Promise<boolean> {
  const ended = await db
    .update(captionJobs)
    .set({ status, errorMessage: error, finishedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(captionJobs.id, jobId), inArray(captionJobs.status, ACTIVE)))
    .returning({ id: captionJobs.id });
  return ended.length > 0;
}

/** The jobs not ended yet, for the job reconciler (their workflows may be gone). */
export function unfinishedCaptionJobs(db: Database) {
  return db
    .select({ id: captionJobs.id, workflowId: captionJobs.workflowId, createdAt: captionJobs.createdAt, startedAt: captionJobs.startedAt })
    .from(captionJobs)
    .where(inArray(captionJobs.status, ACTIVE));
}

/** The live photos' captions of a live character, oldest first. */
async function captionsOf(db: Database, characterId: string) {
  return db
    .select({ id: photos.id, caption: photos.caption })
    .from(photos)
    .where(and(eq(photos.characterId, characterId), isNull(photos.deletedAt), characterIsLive(characterId)))
    .orderBy(asc(photos.createdAt), asc(photos.id));
}

async function writeCaptions(db: Database, changes: Array<{ id: string; caption: string }>): Promise<number> {
  if (changes.length === 0) return 0;
  await db.transaction(async (tx) => {
    for (const { id, caption } of changes) await tx.update(photos).set({ caption, updatedAt: new Date() }).where(eq(photos.id, id));
  });
  return changes.length;
}

/** One caption for every live photo of the character; answers how many changed. */
export async function applyCaptionToAll(db: Database, characterId: string, caption: string): Promise<number> {
  const current = await captionsOf(db, characterId);
  return writeCaptions(
    db,
    current.filter((p) => p.caption !== caption).map((p) => ({ id: p.id, caption })),
  );
}

/** A replacement would make a caption longer than a caption may be. */
export class CaptionTooLongError extends Error {
  constructor(readonly photoId: string) {
    super(`The replacement would make a caption longer than ${PHOTO_LIMITS.captionMaxLength} characters`);
    this.name = 'CaptionTooLongError';
  }
}

/** Find/replace (literal) across the character's captions; answers how many changed. Nothing changes if one would be too long. */
export async function replaceInCaptions(
  db: Database,
  characterId: string,
  input: { find: string; replace: string; matchCase: boolean },
): Promise<number> {
  const current = await captionsOf(db, characterId);
  const changes = current
    .map((p) => ({ id: p.id, caption: replaceAllLiteral(p.caption, input.find, input.replace, input.matchCase), before: p.caption }))
    .filter((p) => p.caption !== p.before);
  const tooLong = changes.find((p) => p.caption.length > PHOTO_LIMITS.captionMaxLength);
  if (tooLong) throw new CaptionTooLongError(tooLong.id);
  return writeCaptions(db, changes);
}
