import { and, count, eq, inArray, isNull } from 'drizzle-orm';
import type { DeletionImpact } from '../../lib/contracts/character-impact';
import type { Database } from '../client';
import { generations, loras, outputs, photos, trainingRuns } from '../schema';

const ACTIVE = ['queued', 'running'] as const;

/** What a character has now, as deleting it would affect it (lib/contracts/character-impact.ts). */
export async function deletionImpact(db: Database, characterId: string): Promise<DeletionImpact> {
  const counted = async (query: Promise<Array<{ n: number }>>) => Number((await query)[0]?.n ?? 0);
  const [photoCount, runCount, loraCount, generationCount, pictureCount, activeTrainings, activeGenerations] = await Promise.all([
    counted(db.select({ n: count() }).from(photos).where(and(eq(photos.characterId, characterId), isNull(photos.deletedAt)))),
    counted(db.select({ n: count() }).from(trainingRuns).where(and(eq(trainingRuns.characterId, characterId), isNull(trainingRuns.deletedAt)))),
    counted(db.select({ n: count() }).from(loras).where(and(eq(loras.characterId, characterId), isNull(loras.deletedAt)))),
    counted(db.select({ n: count() }).from(generations).where(and(eq(generations.characterId, characterId), isNull(generations.deletedAt)))),
    counted(
      db
        .select({ n: count() })
        .from(outputs)
        .innerJoin(generations, eq(outputs.generationId, generations.id))
        .where(and(eq(generations.characterId, characterId), isNull(generations.deletedAt), isNull(outputs.deletedAt))),
    ),
    db
      .select({ id: trainingRuns.id, status: trainingRuns.status })
      .from(trainingRuns)
      .where(and(eq(trainingRuns.characterId, characterId), isNull(trainingRuns.deletedAt), inArray(trainingRuns.status, [...ACTIVE]))),
    db
      .select({ id: generations.id, status: generations.status })
      .from(generations)
      .where(and(eq(generations.characterId, characterId), isNull(generations.deletedAt), inArray(generations.status, [...ACTIVE]))),
  ]);
  const active = (rows: Array<{ id: string; status: string }>) =>
    rows.map((row) => ({ id: row.id, status: row.status as (typeof ACTIVE)[number] }));
  return {
    photos: photoCount,
    trainingRuns: runCount,
    loras: loraCount,
    generations: generationCount,
    pictures: pictureCount,
    activeTrainings: active(activeTrainings),
    activeGenerations: active(activeGenerations),
  };
}
