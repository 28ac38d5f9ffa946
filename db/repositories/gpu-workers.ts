import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { GpuWorkerReport } from '../../lib/contracts/gpu-workers';
import type { Database } from '../client';
import { gpuWorkers } from '../schema';

export type GpuWorkerRow = typeof gpuWorkers.$inferSelect;

/** Records a GPU worker's report (the control plane's clock is the one `lastReportAt` is read against). */
export async function saveGpuWorkerReport(db: Database, workerId: string, report: GpuWorkerReport): Promise<void> {
  const values = {
    identity: report.identity,
    hostname: report.hostname,
    queue: report.queue,
    capacity: report.capacity,
    engines: report.engines,
    jobs: report.jobs,
    gpu: report.gpu ?? null,
    startedAt: new Date(report.startedAt),
    lastReportAt: sql`now()`,
    stoppedAt: report.stopping ? sql`now()` : null,
  };
  await db
    .insert(gpuWorkers)
    .values({ workerId, ...values })
    .onConflictDoUpdate({ target: gpuWorkers.workerId, set: values });
}

/**
 * The GPU workers worth showing: those that did not say they stopped and reported within `withinSeconds` (a worker
 * lost long ago is no longer news), newest report first, each with the seconds since its last report.
 */
export async function listGpuWorkers(db: Database, withinSeconds: number): Promise<Array<GpuWorkerRow & { silentSeconds: number }>> {
  const rows = await db
    .select({ worker: gpuWorkers, silentSeconds: sql<number | string>`extract(epoch from now() - ${gpuWorkers.lastReportAt})` })
    .from(gpuWorkers)
    .where(and(isNull(gpuWorkers.stoppedAt), gt(gpuWorkers.lastReportAt, sql`now() - make_interval(secs => ${withinSeconds})`)))
    .orderBy(desc(gpuWorkers.lastReportAt));
  return rows.map((r) => ({ ...r.worker, silentSeconds: Number(r.silentSeconds) }));
}

export async function getGpuWorker(db: Database, workerId: string): Promise<GpuWorkerRow | undefined> {
  const [row] = await db.select().from(gpuWorkers).where(eq(gpuWorkers.workerId, workerId));
  return row;
}
