import { and, eq, inArray, like, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { modelFiles } from '../schema';

export type ModelFileRow = typeof modelFiles.$inferSelect;
type Status = ModelFileRow['status'];

export async function listModelFileRows(db: Database): Promise<ModelFileRow[]> {
  return db.select().from(modelFiles);
}

export async function getModelFileRow(db: Database, id: string): Promise<ModelFileRow | undefined> {
  const [row] = await db.select().from(modelFiles).where(eq(modelFiles.id, id));
  return row;
}

/** Creates or updates a file's state; `url` and `filePath` are required the first time. */
export async function saveModelFile(
  db: Database,
  id: string,
  values: { url: string; filePath: string } & Partial<Omit<typeof modelFiles.$inferInsert, 'id' | 'url' | 'filePath'>>,
): Promise<void> {
  const { url, filePath, ...rest } = values;
  await db
    .insert(modelFiles)
    .values({ id, url, filePath, ...rest })
    .onConflictDoUpdate({ target: modelFiles.id, set: { url, filePath, ...rest, updatedAt: sql`now()` } });
}

/** Progress of a download: cheap, throttled by the caller. */
export async function saveModelFileProgress(db: Database, id: string, bytesDone: number): Promise<void> {
  await db.update(modelFiles).set({ bytesDone, updatedAt: sql`now()` }).where(eq(modelFiles.id, id));
}

/** A file of `modelId` left in one of `from` goes to `to` (e.g. downloading → missing once a download stops). */
export async function moveModelFiles(db: Database, modelId: string, from: Status[], to: Status, error?: { code: string; message: string }): Promise<void> {
  await db
    .update(modelFiles)
    .set({ status: to, errorCode: error?.code ?? null, errorMessage: error?.message ?? null, updatedAt: sql`now()` })
    .where(and(like(modelFiles.id, `${modelId}/%`), inArray(modelFiles.status, from)));
}

/** Files some download workflow was working on (`downloading`), with that workflow's id. */
export async function filesBeingDownloaded(db: Database): Promise<ModelFileRow[]> {
  return db.select().from(modelFiles).where(eq(modelFiles.status, 'downloading'));
}
