import path from 'node:path';
import { and, desc, eq, isNull, max } from 'drizzle-orm';
import type { Lora } from '../../lib/contracts/loras';
import type { Database } from '../client';
import { characterIsLive } from './characters';
import { loras } from '../schema';

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
