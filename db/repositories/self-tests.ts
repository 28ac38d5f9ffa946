import { and, eq, inArray, sql } from 'drizzle-orm';
import type { SelfTest } from '../../lib/contracts/self-tests';
import type { Database } from '../client';
import { selfTests } from '../schema';

type Row = typeof selfTests.$inferSelect;

export function toSelfTest(row: Row): SelfTest {
  return {
    id: row.id,
    status: row.status,
    steps: row.steps,
    step: row.step,
    workflowId: row.workflowId,
    gpuWorkers: row.gpuWorkers,
    result: row.result ?? null,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export function selfTestWorkflowId(id: string): string {
  return `self-test-${id}`;
}

export async function createSelfTest(db: Database, input: { id: string; steps: number }): Promise<SelfTest> {
  const [row] = await db
    .insert(selfTests)
    .values({ id: input.id, steps: input.steps, workflowId: selfTestWorkflowId(input.id) })
    .returning();
  return toSelfTest(row!);
}

export async function getSelfTest(db: Database, id: string): Promise<SelfTest | undefined> {
  const [row] = await db.select().from(selfTests).where(eq(selfTests.id, id));
  return row ? toSelfTest(row) : undefined;
}

export async function markSelfTestRunning(db: Database, id: string): Promise<void> {
  await db
    .update(selfTests)
    .set({ status: 'running', startedAt: sql`coalesce(${selfTests.startedAt}, now())` })
    .where(eq(selfTests.id, id));
}

/** Appends a worker to the list of those that ran the GPU part (idempotent for a retried activity). */
export async function addSelfTestWorker(db: Database, id: string, workerId: string): Promise<void> {
  await db
    .update(selfTests)
    .set({
      gpuWorkers: sql`case when ${selfTests.gpuWorkers} -> -1 = to_jsonb(${workerId}::text)
        then ${selfTests.gpuWorkers} else ${selfTests.gpuWorkers} || jsonb_build_array(${workerId}::text) end`,
    })
    .where(eq(selfTests.id, id));
}

export async function finishSelfTest(
  db: Database,
  id: string,
  outcome: { status: 'completed'; step: number; result: Record<string, unknown> } | { status: 'failed'; errorMessage: string },
): Promise<void> {
  await db
    .update(selfTests)
    .set({ ...outcome, finishedAt: new Date() })
    .where(eq(selfTests.id, id));
}

/** Self-tests still queued or running. */
export async function unfinishedSelfTests(db: Database): Promise<Row[]> {
  return db.select().from(selfTests).where(inArray(selfTests.status, ['queued', 'running']));
}

/** Fails a self-test that is still open, when its workflow can no longer do it. False when it had already ended. */
export async function closeOpenSelfTest(db: Database, id: string, errorMessage: string): Promise<boolean> {
  const rows = await db
    .update(selfTests)
    .set({ status: 'failed', errorMessage, finishedAt: new Date() })
    .where(and(eq(selfTests.id, id), inArray(selfTests.status, ['queued', 'running'])))
    .returning({ id: selfTests.id });
  return rows.length > 0;
}
