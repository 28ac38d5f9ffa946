import path from 'node:path';
import { and, count, desc, eq, inArray, isNull, max, sql, type SQL } from 'drizzle-orm';
import type { Lora, LoraEntry, LoraImpact } from '../../lib/contracts/loras';
import type { PresetId } from '../../lib/contracts/training';
import type { Database } from '../client';
import { characterIsLive } from './characters';
import { characters, generations, loras, trainingRuns } from '../schema';

type Row = typeof loras.$inferSelect;

/** The columns a LoRA's contract shows (not the safetensors metadata). */
const loraColumns = {
  id: loras.id,
  characterId: loras.characterId,
  trainingRunId: loras.trainingRunId,
  name: loras.name,
  version: loras.version,
  filePath: loras.filePath,
  sizeBytes: loras.sizeBytes,
  sha256: loras.sha256,
  baseModel: loras.baseModel,
  steps: loras.steps,
  rank: loras.rank,
  triggerWord: loras.triggerWord,
  engineVersion: loras.engineVersion,
  notes: loras.notes,
  favourite: loras.favourite,
  createdAt: loras.createdAt,
};

export function toLora(row: Pick<Row, keyof typeof loraColumns>): Lora {
  return {
    id: row.id,
    characterId: row.characterId,
    trainingRunId: row.trainingRunId,
    name: row.name,
    version: row.version,
    fileName: path.posix.relative('models/loras', row.filePath),
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    baseModel: row.baseModel,
    steps: row.steps,
    rank: row.rank,
    triggerWord: row.triggerWord,
    downloadUrl: `/api/loras/${row.id}/file`,
    engineVersion: row.engineVersion,
    notes: row.notes,
    favourite: row.favourite,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The LoRA made of a run's checkpoint at `steps`, if there is one. */
export async function loraOfRunAt(db: Database, runId: string, steps: number): Promise<Row | undefined> {
  const [row] = await db
    .select()
    .from(loras)
    .where(and(eq(loras.trainingRunId, runId), eq(loras.steps, steps)));
  return row;
}

/** The LoRAs made of a run's checkpoints (deleted ones left out). */
export async function lorasOfRun(db: Database, runId: string): Promise<Array<Pick<Row, 'id' | 'steps'>>> {
  return db
    .select({ id: loras.id, steps: loras.steps })
    .from(loras)
    .where(and(eq(loras.trainingRunId, runId), isNull(loras.deletedAt)));
}

export async function nextLoraVersion(db: Database, characterId: string): Promise<number> {
  const [row] = await db.select({ latest: max(loras.version) }).from(loras).where(eq(loras.characterId, characterId));
  return (row?.latest ?? 0) + 1;
}

export async function insertLora(db: Database, values: typeof loras.$inferInsert): Promise<Row> {
  const [row] = await db.insert(loras).values(values).returning();
  return row!;
}

/** A character's LoRAs, newest version first (none when the character is deleted). */
export async function listLoras(db: Database, characterId: string): Promise<Lora[]> {
  const rows = await db
    .select(loraColumns)
    .from(loras)
    .where(and(eq(loras.characterId, characterId), isNull(loras.deletedAt), characterIsLive(characterId)))
    .orderBy(desc(loras.version));
  return rows.map(toLora);
}

export async function getLora(db: Database, id: string): Promise<Row | undefined> {
  const [row] = await db.select().from(loras).where(and(eq(loras.id, id), isNull(loras.deletedAt)));
  return row;
}

/** The most trained live LoRA of the character of `loras` (most steps, the newest version among equals). */
const mostTrainedOfCharacter = sql<string>`(select l.id from loras l where l.character_id = ${loras.characterId} and l.deleted_at is null
  order by l.steps desc, l.version desc limit 1)`;

/**
 * Every LoRA of every live character, newest first, with its character's name, the run it came from, whether that
 * run stopped early, and where it stands among its character's versions.
 */
export async function listAllLoras(db: Database, query: { characterId?: string | undefined; favourite?: boolean | undefined } = {}): Promise<LoraEntry[]> {
  const conditions: SQL[] = [isNull(loras.deletedAt), isNull(characters.deletedAt)];
  if (query.characterId) conditions.push(eq(loras.characterId, query.characterId));
  if (query.favourite !== undefined) conditions.push(eq(loras.favourite, query.favourite));
  const rows = await db
    .select({
      ...loraColumns,
      characterName: characters.name,
      runId: trainingRuns.id,
      runStatus: trainingRuns.status,
      runPreset: trainingRuns.preset,
      runTotalSteps: trainingRuns.totalSteps,
      recommendedStep: sql<number | string | null>`(${trainingRuns.likeness} -> 'recommended' ->> 'step')::int`,
      mostTrainedId: mostTrainedOfCharacter,
    })
    .from(loras)
    .innerJoin(characters, eq(characters.id, loras.characterId))
    .leftJoin(trainingRuns, and(eq(trainingRuns.id, loras.trainingRunId), isNull(trainingRuns.deletedAt)))
    .where(and(...conditions))
    .orderBy(desc(loras.createdAt), desc(loras.version));
  return rows.map((row): LoraEntry => {
    const run =
      row.runId !== null && row.runStatus !== null && row.runPreset !== null && row.runTotalSteps !== null
        ? { id: row.runId, status: row.runStatus, preset: row.runPreset as PresetId, totalSteps: row.runTotalSteps }
        : null;
    return {
      ...toLora(row),
      characterName: row.characterName,
      sourceRun: run,
      stoppedEarly: run?.status === 'stopped' && row.steps < run.totalSteps ? { atStep: row.steps, ofSteps: run.totalSteps } : null,
      recommended: row.recommendedStep !== null && Number(row.recommendedStep) === row.steps,
      mostTrained: row.mostTrainedId === row.id,
    };
  });
}

/** Renames a LoRA, changes its notes or marks it as a favourite; undefined when there is no such live LoRA. */
export async function updateLora(
  db: Database,
  id: string,
  patch: { name?: string | undefined; notes?: string | undefined; favourite?: boolean | undefined },
): Promise<Row | undefined> {
  const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  const [row] = await db
    .update(loras)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(loras.id, id), isNull(loras.deletedAt)))
    .returning();
  return row;
}

const ACTIVE_GENERATION = ['queued', 'running'] as const;

/** What deleting this LoRA would affect; undefined when there is no such live LoRA. */
export async function loraImpact(db: Database, id: string): Promise<LoraImpact | undefined> {
  const lora = await getLora(db, id);
  if (!lora) return undefined;
  const [used] = await db
    .select({ n: count() })
    .from(generations)
    .where(and(eq(generations.loraId, id), isNull(generations.deletedAt)));
  const active = await db
    .select({ id: generations.id, status: generations.status })
    .from(generations)
    .where(and(eq(generations.loraId, id), inArray(generations.status, [...ACTIVE_GENERATION])))
    .orderBy(generations.createdAt);
  const [newest] = await db
    .select({ id: loras.id })
    .from(loras)
    .where(and(eq(loras.characterId, lora.characterId), isNull(loras.deletedAt)))
    .orderBy(desc(loras.version))
    .limit(1);
  return {
    generations: Number(used?.n ?? 0),
    currentOfCharacter: newest?.id === id,
    activeJobs: active.map((g) => ({ id: g.id, status: g.status as (typeof ACTIVE_GENERATION)[number] })),
  };
}

/**
 * Deletes a LoRA (its row is kept, marked deleted, for the generations that name it), unless a queued or running
 * generation uses it: checked in the same statement, so a job that holds it is never left without it.
 * `deleted`: its row, to remove its file; `busy`: a job uses it; `missing`: no such live LoRA.
 */
export async function deleteLora(db: Database, id: string): Promise<{ deleted: Row } | { busy: true } | { missing: true }> {
  const [row] = await db
    .update(loras)
    .set({ deletedAt: new Date(), updatedAt: new Date() })
    .where(
      and(
        eq(loras.id, id),
        isNull(loras.deletedAt),
        sql`not exists (select 1 from ${generations} where ${generations.loraId} = ${id} and ${inArray(generations.status, [...ACTIVE_GENERATION])})`,
      ),
    )
    .returning();
  if (row) return { deleted: row };
  return (await getLora(db, id)) ? { busy: true } : { missing: true };
}

/** Brings back a deleted LoRA (its checkpoint was turned into a LoRA again: one LoRA per checkpoint). */
export async function restoreLora(db: Database, id: string): Promise<void> {
  await db.update(loras).set({ deletedAt: null, updatedAt: new Date() }).where(eq(loras.id, id));
}
