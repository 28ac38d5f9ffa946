import { and, asc, desc, eq, getTableColumns, gte, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { GallerySort, Generation, GenerationOutput, GenerationParams } from '../../lib/contracts/generations';
import type { PictureLikeness } from '../../lib/contracts/likeness';
import { generationWorkflowId } from '../../lib/contracts/generations';
import type { Database } from '../client';
import { characters, generations, outputs, photos, trainingRuns } from '../schema';
import { jsonColumn, rowsOf } from './json-column';

type Row = typeof generations.$inferSelect;
export type GenerationRow = Row;
export type OutputRow = typeof outputs.$inferSelect;
type PhotoRow = typeof photos.$inferSelect;

type OutputItem = Pick<OutputRow, 'id' | 'index' | 'width' | 'height' | 'seed' | 'likeness' | 'favourite'>;

/**
 * A generation with its live images (only its favourite ones with `favouritesOnly`), as JSON built by the database:
 * one query for a whole page.
 */
const outputsColumns = (favouritesOnly = false) => ({
  ...getTableColumns(generations),
  // Written out in full: drizzle leaves a column unqualified inside a select of one table.
  outputs: sql<OutputItem[] | string>`(
    select coalesce(json_agg(json_build_object('id', o.id, 'index', o.index, 'width', o.width, 'height', o.height,
      'seed', o.seed, 'likeness', o.likeness, 'favourite', o.favourite) order by o.index), '[]')
    from outputs o where o.generation_id = "generations"."id" and o.deleted_at is null${favouritesOnly ? sql` and o.favourite` : sql``})`,
});
const withOutputsColumns = outputsColumns();
const selectWithOutputs = (db: Database) => db.select(withOutputsColumns).from(generations);
type RowWithOutputs = Awaited<ReturnType<typeof selectWithOutputs>>[number];

function withOutputs(row: RowWithOutputs): Generation {
  return toGeneration(row, jsonColumn(row.outputs));
}

export const outputUrl = (id: string) => `/api/outputs/${id}`;

export function toOutput(o: OutputItem): GenerationOutput {
  return { id: o.id, index: o.index, url: outputUrl(o.id), width: o.width, height: o.height, seed: o.seed, likeness: o.likeness ?? null, favourite: o.favourite === true };
}

/** `waitingFor` is filled in by the API when the generation is queued (it asks why the GPU is busy). */
function toGeneration(row: Row, rows: OutputItem[]): Generation {
  return {
    id: row.id,
    status: row.status,
    progress: row.progress,
    waitingFor: null,
    parameters: row.parameters as unknown as GenerationParams,
    characterId: row.characterId,
    loraId: row.loraId,
    outputs: rows.map(toOutput),
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    workflowId: row.workflowId,
    cancelRequestedAt: row.cancelRequestedAt?.toISOString() ?? null,
    correlationId: row.correlationId,
    sourceGenerationId: row.sourceGenerationId,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export async function createGeneration(
  db: Database,
  input: {
    id: string;
    params: GenerationParams;
    characterId: string | null;
    sourceGenerationId?: string | null;
    submittedBy?: string | null;
    idempotencyKey?: string | null;
    correlationId?: string | null;
  },
): Promise<Generation> {
  const [row] = await db
    .insert(generations)
    .values({
      id: input.id,
      characterId: input.characterId,
      loraId: input.params.lora?.id ?? null,
      loraStrength: input.params.lora?.strength ?? null,
      baseModel: input.params.baseModel,
      prompt: input.params.prompt,
      parameters: input.params as unknown as Record<string, unknown>,
      workflowId: generationWorkflowId(input.id),
      sourceGenerationId: input.sourceGenerationId ?? null,
      submittedBy: input.submittedBy ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      correlationId: input.correlationId ?? null,
    })
    .returning();
  return toGeneration(row!, []);
}

/** The generation a request with this idempotency key (see api/idempotency.ts) started, if any. */
export async function generationByIdempotencyKey(db: Database, key: string): Promise<Generation | undefined> {
  const [row] = await selectWithOutputs(db).where(eq(generations.idempotencyKey, key));
  return row && withOutputs(row);
}

export async function getGenerationRow(db: Database, id: string): Promise<Row | undefined> {
  const [row] = await db.select().from(generations).where(and(eq(generations.id, id), isNull(generations.deletedAt)));
  return row;
}

/** When the generation last changed (ms), without reading the rest of it: what an event stream checks first. */
export async function getGenerationVersion(db: Database, id: string): Promise<number | undefined> {
  const [row] = await db
    .select({ updatedAt: generations.updatedAt })
    .from(generations)
    .where(and(eq(generations.id, id), isNull(generations.deletedAt)));
  return row?.updatedAt.getTime();
}

export async function getGeneration(db: Database, id: string): Promise<Generation | undefined> {
  return (await getVersionedGeneration(db, id))?.generation;
}

/** A generation with its version (see {@link getGenerationVersion}), in one query. */
export async function getVersionedGeneration(db: Database, id: string): Promise<{ generation: Generation; version: number } | undefined> {
  const [row] = await selectWithOutputs(db).where(and(eq(generations.id, id), isNull(generations.deletedAt)));
  return row && { generation: withOutputs(row), version: row.updatedAt.getTime() };
}

/**
 * What keeps the GPU from a queued generation, in one query: the characters whose training runs, and whether another
 * generation runs.
 */
export async function gpuOccupants(db: Database): Promise<{ training: string[]; generating: boolean }> {
  const [row] = rowsOf<{ training: string[] | string | null; generating: boolean }>(
    await db.execute(sql`
      select
        (select json_agg(${characters.name} order by ${characters.name})
          from ${trainingRuns} join ${characters} on ${characters.id} = ${trainingRuns.characterId}
          where ${trainingRuns.status} = 'running' and ${trainingRuns.deletedAt} is null) as training,
        exists (select 1 from ${generations} where ${generations.status} = 'running' and ${generations.deletedAt} is null) as generating`),
  );
  return { training: row?.training ? jsonColumn(row.training) : [], generating: row?.generating === true };
}

/** A generation's likeness in the gallery's order: its most alike scored picture's similarity; null when none was scored. */
const bestLikeness = sql<number | null>`(
  select max((o.likeness->>'similarity')::float8) from outputs o
  where o.generation_id = "generations"."id" and o.deleted_at is null and o.likeness->>'status' = 'scored')`;

/** The generation has at least one picture recognisable as its character. */
const hasRecognisable = sql`exists (
  select 1 from outputs o
  where o.generation_id = "generations"."id" and o.deleted_at is null and (o.likeness->>'recognisable')::boolean)`;

interface Cursor {
  sort: GallerySort;
  /** The last item's best likeness (likeness order only). */
  likeness: number | null;
  /** The last item's creation time, to the microsecond, as the database writes it. */
  at: string;
  id: string;
}

/**
 * The cursor of a page: the last item's place in its order (its likeness in the likeness order, its creation time,
 * ties broken by id), opaque to clients.
 */
function encodeCursor(cursor: Cursor): string {
  const parts = cursor.sort === 'likeness' ? ['likeness', cursor.likeness ?? '', cursor.at, cursor.id] : [cursor.at, cursor.id];
  return Buffer.from(parts.join('|')).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A timestamp as the database writes it, or as ISO 8601 (the cursors of earlier versions). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

function decodeCursor(cursor: string): Cursor | undefined {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const [sort, likeness, at, id] = parts.length === 4 ? parts : ['newest', '', ...parts];
  if (sort !== 'newest' && sort !== 'likeness') return undefined;
  const score = likeness === '' ? null : Number(likeness);
  if (!TIMESTAMP.test(at ?? '') || !UUID.test(id ?? '') || (score !== null && !Number.isFinite(score))) return undefined;
  return { sort, likeness: score, at: at!, id: id! };
}

export class BadCursorError extends Error {}

/** The generation has at least one favourite picture. */
const hasFavourite = sql`exists (
  select 1 from outputs o where o.generation_id = "generations"."id" and o.deleted_at is null and o.favourite)`;

export interface GalleryQuery {
  characterId?: string | undefined;
  loraId?: string | undefined;
  status?: Row['status'] | undefined;
  /** Only generations with at least one recognisable picture. */
  recognisable?: boolean | undefined;
  /** Only favourite pictures, in the generations that have one. */
  favourite?: boolean | undefined;
  /** Made at or after this moment (ISO 8601). */
  from?: string | undefined;
  /** Made before this moment (ISO 8601). */
  to?: string | undefined;
  sort?: GallerySort | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The gallery in pages: newest first, or by likeness (highest first, generations without a score last, then newest). */
export async function listGenerations(db: Database, query: GalleryQuery): Promise<{ items: Generation[]; nextCursor: string | null }> {
  const sort = query.sort ?? 'newest';
  const conditions: SQL[] = [isNull(generations.deletedAt)];
  if (query.characterId) conditions.push(eq(generations.characterId, query.characterId));
  if (query.loraId) conditions.push(eq(generations.loraId, query.loraId));
  if (query.status) conditions.push(eq(generations.status, query.status));
  if (query.recognisable) conditions.push(hasRecognisable);
  if (query.favourite) conditions.push(hasFavourite);
  if (query.from) conditions.push(gte(generations.createdAt, new Date(query.from)));
  if (query.to) conditions.push(lt(generations.createdAt, new Date(query.to)));
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    if (!after) throw new BadCursorError('cursor is not one this API handed out');
    if (after.sort !== sort) throw new BadCursorError(`cursor belongs to the ${after.sort} order, not to sort=${sort}`);
    conditions.push(afterCursor(after));
  }
  const rows = await db
    .select({ ...outputsColumns(query.favourite === true), bestLikeness: sort === 'likeness' ? bestLikeness : sql<null>`null`, cursorAt: sql<string>`${generations.createdAt}::text` })
    .from(generations)
    .where(and(...conditions))
    .orderBy(...(sort === 'likeness' ? [sql`${bestLikeness} desc nulls last`] : []), desc(generations.createdAt), desc(generations.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last ? encodeCursor({ sort, likeness: last.bestLikeness === null ? null : Number(last.bestLikeness), at: last.cursorAt, id: last.id }) : null;
  return { items: page.map(withOutputs), nextCursor };
}

/** The rows after the cursor's, in its order. */
function afterCursor(after: Cursor): SQL {
  const at = sql`${after.at}::timestamptz`;
  const olderOrSame = or(lt(generations.createdAt, at), and(eq(generations.createdAt, at), lt(generations.id, after.id)))!;
  if (after.sort === 'newest') return olderOrSame;
  const score = sql`${after.likeness}::float8`;
  // Likeness descending, unscored last: after a score come lower scores and every unscored one.
  if (after.likeness === null) return and(sql`${bestLikeness} is null`, olderOrSame)!;
  return or(sql`${bestLikeness} < ${score}`, sql`${bestLikeness} is null`, and(sql`${bestLikeness} = ${score}`, olderOrSame))!;
}

export async function updateGeneration(
  db: Database,
  id: string,
  patch: Partial<Pick<Row, 'status' | 'progress' | 'gpuWorker' | 'errorCode' | 'errorMessage' | 'startedAt' | 'finishedAt'>>,
): Promise<void> {
  await db.update(generations).set({ ...patch, updatedAt: new Date() }).where(eq(generations.id, id));
}

/** The states a generation can still leave; the others are its ending. */
const UNFINISHED: Array<Row['status']> = ['queued', 'running'];

/**
 * Marks a generation running on a worker, unless it has already ended: a late write must never turn a cancelled or
 * failed generation back into a running one.
 */
export async function markGenerationRunning(db: Database, id: string, workerId: string): Promise<boolean> {
  const rows = await db
    .update(generations)
    .set({ status: 'running', gpuWorker: workerId, startedAt: sql`coalesce(${generations.startedAt}, now())`, updatedAt: new Date() })
    .where(and(eq(generations.id, id), inArray(generations.status, UNFINISHED)))
    .returning({ id: generations.id });
  return rows.length > 0;
}

/**
 * Records a generation's images and marks it completed, in one transaction, while it is still open, unless its
 * cancel was asked for: then it ends `cancelled` instead. Answers what this call did: `completed`, `cancelled`,
 * `already` (it was completed before) or `ended` (it had failed or been cancelled before).
 */
export async function completeGeneration(
  db: Database,
  id: string,
  images: Array<Pick<OutputRow, 'index' | 'filePath' | 'width' | 'height' | 'seed' | 'sizeBytes' | 'sha256'>>,
  /** Runs before a generation whose cancel was asked for is marked cancelled (its row locked meanwhile). */
  beforeCancelled: () => Promise<void> = async () => {},
): Promise<'completed' | 'cancelled' | 'already' | 'ended'> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ status: generations.status, cancelRequestedAt: generations.cancelRequestedAt })
      .from(generations)
      .where(eq(generations.id, id))
      .for('update');
    if (!row || !UNFINISHED.includes(row.status)) return row?.status === 'completed' ? 'already' : 'ended';
    const now = new Date();
    if (row.cancelRequestedAt) {
      await beforeCancelled();
      await tx.update(generations).set({ status: 'cancelled', finishedAt: now, updatedAt: now }).where(eq(generations.id, id));
      return 'cancelled';
    }
    await tx
      .update(generations)
      .set({ status: 'completed', progress: 1, startedAt: sql`coalesce(${generations.startedAt}, now())`, finishedAt: now, updatedAt: now })
      .where(eq(generations.id, id));
    if (images.length > 0) {
      // Rows an interrupted record of an older version left behind are kept as they are.
      await tx
        .insert(outputs)
        .values(images.map((image) => ({ ...image, generationId: id })))
        .onConflictDoNothing({ target: [outputs.generationId, outputs.index] });
    }
    return 'completed';
  });
}

/** Notes that the user asked to cancel (the workflow is asked next); false when the generation has already ended. */
export async function requestGenerationCancel(db: Database, id: string): Promise<boolean> {
  const rows = await db
    .update(generations)
    .set({ cancelRequestedAt: sql`coalesce(${generations.cancelRequestedAt}, now())`, updatedAt: new Date() })
    .where(and(eq(generations.id, id), inArray(generations.status, UNFINISHED)))
    .returning({ id: generations.id });
  return rows.length > 0;
}

/** Records how a generation failed or was cancelled, unless it has already ended. True when this call ended it. */
export async function finishGeneration(
  db: Database,
  id: string,
  ending: { status: 'failed' | 'cancelled'; errorCode: string | null; errorMessage: string | null },
): Promise<boolean> {
  const now = new Date();
  const rows = await db
    .update(generations)
    .set({ ...ending, finishedAt: now, updatedAt: now })
    .where(and(eq(generations.id, id), inArray(generations.status, UNFINISHED)))
    .returning({ id: generations.id });
  return rows.length > 0;
}

export async function getOutput(db: Database, id: string): Promise<OutputRow | undefined> {
  const [row] = await db
    .select({ output: outputs })
    .from(outputs)
    .innerJoin(generations, eq(generations.id, outputs.generationId))
    .where(and(eq(outputs.id, id), isNull(outputs.deletedAt), isNull(generations.deletedAt)));
  return row?.output;
}

/** Live pictures by id, with what a download names them by and what re-running one needs. */
export async function getOutputs(db: Database, ids: string[]): Promise<Array<OutputRow & { generationStatus: Row['status'] }>> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ output: outputs, generationStatus: generations.status })
    .from(outputs)
    .innerJoin(generations, eq(generations.id, outputs.generationId))
    .where(and(inArray(outputs.id, ids), isNull(outputs.deletedAt), isNull(generations.deletedAt)))
    .orderBy(desc(generations.createdAt), asc(outputs.index));
  return rows.map((r) => ({ ...r.output, generationStatus: r.generationStatus }));
}

/** The picture's generation is not deleted (written out in full: see {@link outputsColumns}). */
const liveGeneration = sql`exists (select 1 from generations g where g.id = "outputs"."generation_id" and g.deleted_at is null)`;

/** Marks a live picture a favourite or not, and its generation changed (its event streams push it). */
export async function setOutputFavourite(db: Database, id: string, favourite: boolean): Promise<OutputRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(outputs)
      .set({ favourite })
      .where(and(eq(outputs.id, id), isNull(outputs.deletedAt), liveGeneration))
      .returning();
    if (row) await tx.update(generations).set({ updatedAt: new Date() }).where(eq(generations.id, row.generationId));
    return row;
  });
}

export class UnknownOutputsError extends Error {
  constructor(readonly ids: string[]) {
    super(`No picture with ${ids.length === 1 ? 'this id' : 'these ids'}: ${ids.join(', ')}`);
  }
}

/**
 * Deletes pictures, all or none: their rows go (the caller removes their files once this has returned), and a
 * generation left without pictures is deleted with them. Pictures exist only once their generation has recorded
 * them (the whole batch at once, as it completes), so a running generation has none to delete. Answers the deleted
 * pictures; throws {@link UnknownOutputsError} naming the ids that are not live pictures.
 */
export async function deleteOutputs(db: Database, ids: string[]): Promise<Array<Pick<OutputRow, 'id' | 'generationId' | 'filePath'>>> {
  return db.transaction(async (tx) => {
    const deleted = await tx
      .delete(outputs)
      .where(
        and(
          inArray(outputs.id, ids),
          isNull(outputs.deletedAt),
          liveGeneration,
        ),
      )
      .returning({ id: outputs.id, generationId: outputs.generationId, filePath: outputs.filePath });
    if (deleted.length !== ids.length) {
      const found = new Set(deleted.map((o) => o.id));
      // Throwing rolls the transaction back: none is deleted.
      throw new UnknownOutputsError(ids.filter((id) => !found.has(id)));
    }
    const touched = [...new Set(deleted.map((o) => o.generationId))];
    const now = new Date();
    await tx.update(generations).set({ updatedAt: now }).where(inArray(generations.id, touched));
    await tx
      .update(generations)
      .set({ deletedAt: now })
      .where(
        and(
          inArray(generations.id, touched),
          sql`not exists (select 1 from outputs o where o.generation_id = "generations"."id" and o.deleted_at is null)`,
        ),
      );
    return deleted;
  });
}

/** Soft delete of a generation and its images (files stay until a purge). */
export async function deleteGeneration(db: Database, id: string): Promise<boolean> {
  const rows = await db
    .update(generations)
    .set({ deletedAt: new Date() })
    .where(and(eq(generations.id, id), isNull(generations.deletedAt)))
    .returning({ id: generations.id });
  if (rows.length === 0) return false;
  await db.update(outputs).set({ deletedAt: new Date() }).where(eq(outputs.generationId, id));
  return true;
}

/** Generations still waiting or running, oldest first. */
export async function unfinishedGenerations(db: Database): Promise<Row[]> {
  return db
    .select()
    .from(generations)
    .where(and(isNull(generations.deletedAt), sql`${generations.status} in ('queued', 'running')`))
    .orderBy(asc(generations.createdAt));
}

/**
 * What scoring a completed generation's pictures needs: its character, its live pictures not scored yet, and the
 * character's photos that may serve as references (live, not left out of training). Undefined when there is
 * nothing to score: the generation is gone, not completed, or has no character (made without a LoRA).
 */
export async function outputsToScore(
  db: Database,
  generationId: string,
): Promise<{ characterId: string; outputs: Array<Pick<OutputRow, 'id' | 'filePath'>>; photos: Array<Pick<PhotoRow, 'id' | 'faces' | 'phash'>> } | undefined> {
  const [generation] = await db
    .select({ characterId: generations.characterId })
    .from(generations)
    .where(and(eq(generations.id, generationId), eq(generations.status, 'completed'), isNull(generations.deletedAt)));
  if (!generation?.characterId) return undefined;
  const [unscored, references] = await Promise.all([
    db
      .select({ id: outputs.id, filePath: outputs.filePath })
      .from(outputs)
      .where(and(eq(outputs.generationId, generationId), isNull(outputs.deletedAt), isNull(outputs.likeness)))
      .orderBy(asc(outputs.index)),
    db
      .select({ id: photos.id, faces: photos.faces, phash: photos.phash })
      .from(photos)
      .where(and(eq(photos.characterId, generation.characterId), eq(photos.excluded, false), isNull(photos.deletedAt)))
      .orderBy(asc(photos.createdAt)),
  ]);
  return { characterId: generation.characterId, outputs: unscored, photos: references };
}

/**
 * Records a picture's likeness unless it was scored before, and marks its generation changed (its event streams
 * push it). True when this call recorded it.
 */
export async function recordOutputLikeness(db: Database, output: { id: string; generationId: string }, likeness: PictureLikeness): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(outputs)
      .set({ likeness })
      .where(and(eq(outputs.id, output.id), eq(outputs.generationId, output.generationId), isNull(outputs.likeness)))
      .returning({ id: outputs.id });
    if (rows.length === 0) return false;
    await tx.update(generations).set({ updatedAt: new Date() }).where(eq(generations.id, output.generationId));
    return true;
  });
}

/** Completed generations of a character with live pictures not scored yet, newest first, at most `limit`. */
export async function generationsWithUnscoredOutputs(db: Database, limit: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: generations.id, createdAt: generations.createdAt })
    .from(generations)
    .innerJoin(outputs, eq(outputs.generationId, generations.id))
    .where(
      and(
        eq(generations.status, 'completed'),
        isNull(generations.deletedAt),
        isNotNull(generations.characterId),
        isNull(outputs.deletedAt),
        isNull(outputs.likeness),
      ),
    )
    .orderBy(desc(generations.createdAt))
    .limit(limit);
  return rows.map((r) => r.id);
}
