import { and, eq, isNull, sql } from 'drizzle-orm';
import { isGoodPhoto } from '../../lib/contracts/photos';
import type { Database } from '../client';
import { photos } from '../schema';

/**
 * A character's photos as a training would take them (`isGoodPhoto`, the rule the dataset is prepared by): `good`
 * are marked for training, `checking` still wait for their checks, `included` are all those not excluded.
 */
export async function trainingPhotoCounts(db: Database, characterId: string): Promise<{ good: number; checking: number; included: number }> {
  const rows = await db
    .select({ checks: photos.checks, keptAnywayAt: photos.keptAnywayAt, analysed: sql<boolean>`${photos.faces} is not null` })
    .from(photos)
    .where(and(eq(photos.characterId, characterId), isNull(photos.deletedAt), eq(photos.excluded, false)));
  const good = rows.filter((row) =>
    isGoodPhoto({ excluded: false, checks: row.checks, keptAnyway: row.keptAnywayAt !== null, analysis: row.analysed ? 'done' : 'pending' }),
  ).length;
  const checking = rows.filter((row) => !row.analysed && !row.keptAnywayAt).length;
  return { good, checking, included: rows.length };
}
