import { and, asc, desc, eq, getTableColumns, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Generation, GenerationParams } from '../../lib/contracts/generations';
import { generationWorkflowId } from '../../lib/contracts/generations';
import type { Database } from '../client';
import { characters, generations, outputs, trainingRuns } from '../schema';
import { jsonColumn, rowsOf } from './json-column';

type Row = typeof generations.$inferSelect;
type OutputRow = typeof outputs.$inferSelect;

type OutputItem = Pick<OutputRow, 'id' | 'index' | 'width' | 'height' | 'seed'>;

/** A generation with its live images, as JSON built by the database: one query for a whole page. */
const withOutputsColumns = {
  ...getTableColumns(generations),
  // Written out in full: drizzle leaves a column unqualified inside a select of one table.
  outputs: sql<OutputItem[] | string>`(
    select coalesce(json_agg(json_build_object('id', o.id, 'index', o.index, 'width', o.width, 'height', o.height,
      'seed', o.seed) order by o.index), '[]')
    from outputs o where o.generation_id = "generations"."id" and o.deleted_at is null)`,
};
const selectWithOutputs = (db: Database) => db.select(withOutputsColumns).from(generations);
type RowWithOutputs = Awaited<ReturnType<typeof selectWithOutputs>>[number];

function withOutputs(row: RowWithOutputs): Generation {
  return toGeneration(row, jsonColumn(row.outputs));
}

export const outputUrl = (id: string) => `/api/outputs/${id}`;

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
    outputs: rows.map((o) => ({ id: o.id, index: o.index, url: outputUrl(o.id), width: o.width, height: o.height, seed: o.seed })),
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

/** The cursor of a page: the last item's creation time and id (ties broken by id), opaque to clients. */
function encodeCursor(row: Row): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id ?? '');
  return isUuid && !Number.isNaN(date.getTime()) ? { at: date, id: id! } : undefined;
}

export class BadCursorError extends Error {}

/** The gallery, newest first, in pages. */
export async function listGenerations(
  db: Database,
  query: { characterId?: string | undefined; loraId?: string | undefined; status?: Row['status'] | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: Generation[]; nextCursor: string | null }> {
  const conditions: SQL[] = [isNull(generations.deletedAt)];
  if (query.characterId) conditions.push(eq(generations.characterId, query.characterId));
  if (query.loraId) conditions.push(eq(generations.loraId, query.loraId));
  if (query.status) conditions.push(eq(generations.status, query.status));
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    if (!after) throw new BadCursorError('cursor is not one this API handed out');
    conditions.push(or(lt(generations.createdAt, after.at), and(eq(generations.createdAt, after.at), lt(generations.id, after.id)))!);
  }
  const rows = await selectWithOutputs(db)
    .where(and(...conditions))
    .orderBy(desc(generations.createdAt), desc(generations.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return { items: page.map(withOutputs), nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!) : null };
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
