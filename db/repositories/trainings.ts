import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import {
  type PresetId,
  type TrainingEvent,
  type TrainingPhase,
  type TrainingRun,
  type TrainingSettings,
  type TrainingStatus,
  trainingWorkflowId,
} from '../../lib/contracts/training';
import type { TrainingReport } from '../../lib/contracts/training-report';
import type { Database } from '../client';
import { loras, trainingEvents, trainingLossPoints, trainingRuns, trainingSamples } from '../schema';

type Row = typeof trainingRuns.$inferSelect;

/** Most points a loss series is returned with; longer series are averaged into this many buckets. */
export const LOSS_POINTS = 400;

export function downsample(points: Array<[number, number]>, max = LOSS_POINTS): Array<[number, number]> {
  if (points.length <= max) return points;
  const size = points.length / max;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < max; i++) {
    const bucket = points.slice(Math.floor(i * size), Math.floor((i + 1) * size));
    if (bucket.length === 0) continue;
    const mean = bucket.reduce((sum, [, loss]) => sum + loss, 0) / bucket.length;
    out.push([bucket.at(-1)![0], Number(mean.toPrecision(6))]);
  }
  return out;
}

export const sampleUrl = (runId: string, sampleId: string) => `/api/trainings/${runId}/samples/${sampleId}`;

async function toTrainingRun(db: Database, row: Row): Promise<TrainingRun> {
  const [points, samples, events, lora] = await Promise.all([
    db
      .select({ step: trainingLossPoints.step, loss: trainingLossPoints.loss })
      .from(trainingLossPoints)
      .where(eq(trainingLossPoints.runId, row.id))
      .orderBy(asc(trainingLossPoints.step)),
    db.select().from(trainingSamples).where(eq(trainingSamples.runId, row.id)).orderBy(asc(trainingSamples.step), asc(trainingSamples.promptIndex)),
    db.select().from(trainingEvents).where(eq(trainingEvents.runId, row.id)).orderBy(asc(trainingEvents.at)),
    db.select({ id: loras.id }).from(loras).where(eq(loras.trainingRunId, row.id)),
  ]);
  return {
    id: row.id,
    characterId: row.characterId,
    preset: row.preset as PresetId,
    settings: row.settings as unknown as TrainingSettings,
    status: row.status,
    phase: row.phase as TrainingPhase,
    step: row.step,
    totalSteps: row.totalSteps,
    itPerSec: row.itPerSec,
    etaSeconds: row.etaSeconds,
    lastCheckpointStep: row.lastCheckpointStep,
    loss: downsample(points.map((p) => [p.step, p.loss])),
    samples: samples.map((s) => ({ id: s.id, step: s.step, promptIndex: s.promptIndex, prompt: s.prompt, url: sampleUrl(row.id, s.id) })),
    events: events.map((e): TrainingEvent => ({ at: e.at.toISOString(), kind: e.kind, message: e.message })),
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    loraId: lora[0]?.id ?? null,
    gpuWorker: row.gpuWorker,
    workflowId: row.workflowId,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export async function createTrainingRun(
  db: Database,
  input: { id: string; characterId: string; preset: PresetId; advanced: Record<string, unknown>; settings: TrainingSettings },
): Promise<TrainingRun> {
  const [row] = await db
    .insert(trainingRuns)
    .values({
      id: input.id,
      characterId: input.characterId,
      preset: input.preset,
      advanced: input.advanced,
      settings: input.settings as unknown as Record<string, unknown>,
      totalSteps: input.settings.steps,
      workflowId: trainingWorkflowId(input.id),
    })
    .returning();
  await addTrainingEvent(db, input.id, 'queued', 'Training queued');
  return toTrainingRun(db, row!);
}

export async function getTrainingRow(db: Database, id: string): Promise<Row | undefined> {
  const [row] = await db.select().from(trainingRuns).where(and(eq(trainingRuns.id, id), isNull(trainingRuns.deletedAt)));
  return row;
}

export async function getTrainingRun(db: Database, id: string): Promise<TrainingRun | undefined> {
  const row = await getTrainingRow(db, id);
  return row ? toTrainingRun(db, row) : undefined;
}

export async function listTrainingRuns(db: Database, characterId: string): Promise<TrainingRun[]> {
  const rows = await db
    .select()
    .from(trainingRuns)
    .where(and(eq(trainingRuns.characterId, characterId), isNull(trainingRuns.deletedAt)))
    .orderBy(desc(trainingRuns.createdAt));
  return Promise.all(rows.map((row) => toTrainingRun(db, row)));
}

/** The run of this character that is still queued or running, if any (one at a time per character). */
export async function activeTrainingRun(db: Database, characterId: string): Promise<Row | undefined> {
  const [row] = await db
    .select()
    .from(trainingRuns)
    .where(
      and(
        eq(trainingRuns.characterId, characterId),
        isNull(trainingRuns.deletedAt),
        sql`${trainingRuns.status} in ('queued', 'running')`,
      ),
    );
  return row;
}

export async function addTrainingEvent(db: Database, runId: string, kind: string, message: string, data?: Record<string, unknown>): Promise<void> {
  await db.insert(trainingEvents).values({ runId, kind, message, data });
}

/** Updates the run and bumps its event sequence (what SSE clients resume from). */
export async function updateTrainingRun(
  db: Database,
  id: string,
  patch: Partial<Pick<Row, 'status' | 'phase' | 'step' | 'gpuWorker' | 'vramProfile' | 'errorCode' | 'errorMessage' | 'startedAt' | 'finishedAt' | 'datasetPath' | 'photoIds' | 'itPerSec' | 'etaSeconds'>>,
): Promise<Row | undefined> {
  const [row] = await db
    .update(trainingRuns)
    .set({ ...patch, updatedAt: new Date(), progressSeq: sql`${trainingRuns.progressSeq} + 1` })
    .where(eq(trainingRuns.id, id))
    .returning();
  return row;
}

/** A new engine start on a worker: the only one whose reports count from now on. */
export async function beginTrainingAttempt(db: Database, id: string, workerId: string): Promise<number> {
  const [row] = await db
    .update(trainingRuns)
    .set({
      attempt: sql`${trainingRuns.attempt} + 1`,
      gpuWorker: workerId,
      status: 'running',
      phase: 'loading',
      itPerSec: null,
      etaSeconds: null,
      updatedAt: new Date(),
      progressSeq: sql`${trainingRuns.progressSeq} + 1`,
    })
    .where(eq(trainingRuns.id, id))
    .returning({ attempt: trainingRuns.attempt });
  return row!.attempt;
}

export class StaleReportError extends Error {
  constructor() {
    super('This report is from an engine start that is no longer the current one');
    this.name = 'StaleReportError';
  }
}

/**
 * Applies a GPU worker's report, if it comes from the run's current engine start (a lost worker's late reports are
 * refused), and only while the run is running. Returns the new event sequence number.
 */
export async function applyTrainingReport(db: Database, id: string, report: TrainingReport): Promise<number> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ attempt: trainingRuns.attempt, gpuWorker: trainingRuns.gpuWorker, status: trainingRuns.status })
      .from(trainingRuns)
      .where(eq(trainingRuns.id, id))
      .for('update');
    if (!row || row.attempt !== report.attempt || row.gpuWorker !== report.workerId || row.status !== 'running') {
      throw new StaleReportError();
    }
    // One point per step: the engine prints a step's loss twice (tqdm redraws), and a resend may repeat it.
    const losses = new Map(report.losses ?? []);
    if (losses.size > 0) {
      await tx
        .insert(trainingLossPoints)
        .values([...losses].map(([step, loss]) => ({ runId: id, step, loss })))
        .onConflictDoUpdate({
          target: [trainingLossPoints.runId, trainingLossPoints.step],
          set: { loss: sql`excluded.loss` },
        });
    }
    for (const sample of report.samples ?? []) {
      await tx
        .insert(trainingSamples)
        .values({ runId: id, step: sample.step, promptIndex: sample.promptIndex, prompt: sample.prompt, filePath: sample.filePath })
        .onConflictDoNothing();
    }
    for (const event of report.events ?? []) {
      await tx.insert(trainingEvents).values({ runId: id, kind: event.kind, message: event.message });
    }
    const [updated] = await tx
      .update(trainingRuns)
      .set({
        ...(report.phase !== undefined ? { phase: report.phase } : {}),
        ...(report.step !== undefined ? { step: report.step } : {}),
        ...(report.totalSteps !== undefined ? { totalSteps: report.totalSteps } : {}),
        ...(report.itPerSec !== undefined ? { itPerSec: report.itPerSec } : {}),
        ...(report.etaSeconds !== undefined ? { etaSeconds: report.etaSeconds === null ? null : Math.round(report.etaSeconds) } : {}),
        ...(report.lastCheckpointStep !== undefined ? { lastCheckpointStep: report.lastCheckpointStep } : {}),
        updatedAt: new Date(),
        progressSeq: sql`${trainingRuns.progressSeq} + 1`,
      })
      .where(eq(trainingRuns.id, id))
      .returning({ seq: trainingRuns.progressSeq });
    return updated!.seq;
  });
}

export async function finishTrainingRun(
  db: Database,
  id: string,
  outcome: { status: Exclude<TrainingStatus, 'queued' | 'running'>; errorCode?: string; errorMessage?: string; message: string },
): Promise<void> {
  await updateTrainingRun(db, id, {
    status: outcome.status,
    phase: 'done',
    errorCode: outcome.errorCode ?? null,
    errorMessage: outcome.errorMessage ?? null,
    finishedAt: new Date(),
    itPerSec: null,
    etaSeconds: null,
  });
  await addTrainingEvent(db, id, outcome.status, outcome.message);
}

export async function getTrainingSample(db: Database, runId: string, sampleId: string) {
  const [row] = await db
    .select()
    .from(trainingSamples)
    .where(and(eq(trainingSamples.runId, runId), eq(trainingSamples.id, sampleId)));
  return row;
}
