import { and, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import {
  type ContinuedFrom,
  type PresetId,
  type TrainingEvent,
  type TrainingPhase,
  type TrainingRun,
  type TrainingRunListQuery,
  type TrainingRunSummary,
  type TrainingSettings,
  type TrainingStatus,
  trainingWorkflowId,
} from '../../lib/contracts/training';
import type { TrainingReport } from '../../lib/contracts/training-report';
import type { Database } from '../client';
import { characterIsLive } from './characters';
import { jsonColumn, rowsOf } from './json-column';
import { recordTrainingSpeed } from './training-speed';
import type { CheckpointLikeness, PictureLikeness, RunLikeness } from '../../lib/contracts/likeness';
import { characters, trainingEvents, trainingLossPoints, trainingRuns, trainingSamples } from '../schema';

type Row = typeof trainingRuns.$inferSelect;

/** The columns a run's contract is made of (not its resolved engine config, advanced input or dataset). */
const runColumns = {
  id: trainingRuns.id,
  characterId: trainingRuns.characterId,
  preset: trainingRuns.preset,
  settings: trainingRuns.settings,
  status: trainingRuns.status,
  phase: trainingRuns.phase,
  step: trainingRuns.step,
  totalSteps: trainingRuns.totalSteps,
  itPerSec: trainingRuns.itPerSec,
  etaSeconds: trainingRuns.etaSeconds,
  lastCheckpointStep: trainingRuns.lastCheckpointStep,
  errorCode: trainingRuns.errorCode,
  errorMessage: trainingRuns.errorMessage,
  gpuWorker: trainingRuns.gpuWorker,
  workflowId: trainingRuns.workflowId,
  stopRequestedAt: trainingRuns.stopRequestedAt,
  engineVersion: trainingRuns.engineVersion,
  correlationId: trainingRuns.correlationId,
  createdAt: trainingRuns.createdAt,
  startedAt: trainingRuns.startedAt,
  finishedAt: trainingRuns.finishedAt,
  progressSeq: trainingRuns.progressSeq,
  likeness: trainingRuns.likeness,
  continuedFromRunId: trainingRuns.continuedFromRunId,
  startStep: trainingRuns.startStep,
  /** The samples, timeline and LoRA come with the run, as JSON built by the database (one query, not four). */
  // Written out in full: drizzle leaves a column unqualified inside a select of one table, which a subquery would
  // resolve to its own table.
  samples: sql<Array<{ id: string; step: number; promptIndex: number; prompt: string | null; likeness: PictureLikeness | null }> | string>`(
    select coalesce(json_agg(json_build_object('id', s.id, 'step', s.step, 'promptIndex', s.prompt_index, 'prompt', s.prompt,
      'likeness', s.likeness)
      order by s.step, s.prompt_index), '[]')
    from training_samples s where s.run_id = "training_runs"."id")`,
  events: sql<Array<{ at: string; kind: string; message: string }> | string>`(
    select coalesce(json_agg(json_build_object('at', to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'kind', e.kind, 'message', e.message) order by e.at), '[]')
    from training_events e where e.run_id = "training_runs"."id")`,
  // The run's outcome: the most trained of its LoRAs (the final file, or the checkpoint kept at Stop).
  loraId: sql<string | null>`(select l.id from loras l where l.training_run_id = "training_runs"."id" and l.deleted_at is null
    order by l.steps desc limit 1)`,
};
const selectRuns = (db: Database) => db.select(runColumns).from(trainingRuns);
type RunRow = Awaited<ReturnType<typeof selectRuns>>[number];

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

/**
 * The loss series of these runs, downsampled by the database: a run's points are averaged into at most
 * {@link LOSS_POINTS} buckets there, so a long run sends its buckets (one JSON value per run), never every point.
 * Point j (0-based) of n falls into bucket ceil((j + 1) · max / n) − 1, the same buckets as {@link downsample}.
 */
async function lossSeries(db: Database, runIds: string[]): Promise<Map<string, Array<[number, number]>>> {
  const result = await db.execute(sql`
    select run_id, max(total) as total, json_agg(json_build_array(step, loss) order by bucket) as points
    from (
      select run_id, bucket, max(total) as total, max(step) as step,
        case when count(*) = 1 then to_json(min(loss)) else to_json(avg(loss)) end as loss
      from (
        select ${trainingLossPoints.runId} as run_id, ${trainingLossPoints.step} as step, ${trainingLossPoints.loss} as loss,
          count(*) over (partition by ${trainingLossPoints.runId}) as total,
          row_number() over (partition by ${trainingLossPoints.runId} order by ${trainingLossPoints.step}) as rn
        from ${trainingLossPoints}
        where ${inArray(trainingLossPoints.runId, runIds)}
      ) numbered
      cross join lateral (select (rn * ${LOSS_POINTS} + total - 1) / total - 1 as bucket) b
      group by run_id, bucket
    ) buckets
    group by run_id`);
  const series = new Map<string, Array<[number, number]>>();
  for (const row of rowsOf<{ run_id: string; total: number | string; points: Array<[number, number]> | string }>(result)) {
    const points = jsonColumn(row.points);
    // Averaged buckets carry 6 significant digits, as downsample() gives them; a short series stays as recorded.
    series.set(row.run_id, Number(row.total) > LOSS_POINTS ? points.map(([step, loss]) => [step, Number(loss.toPrecision(6))]) : points);
  }
  return series;
}

/**
 * Downsampled loss series by run and event sequence number. Every write of loss points bumps the run's
 * progress_seq in the same transaction, and a series is computed after its run's row was read, so an entry is
 * never older than its key: a finished run is averaged once, a running one once per change.
 */
const lossMemo = new Map<string, Array<[number, number]>>();
const LOSS_MEMO_ENTRIES = 2_000;

async function lossOf(db: Database, rows: RunRow[]): Promise<Map<string, Array<[number, number]>>> {
  const key = (row: RunRow) => `${row.id}:${row.progressSeq}`;
  const series = new Map<string, Array<[number, number]>>();
  const missing: RunRow[] = [];
  for (const row of rows) {
    const known = lossMemo.get(key(row));
    if (known) series.set(row.id, known);
    else missing.push(row);
  }
  if (missing.length === 0) return series;
  const computed = await lossSeries(db, missing.map((r) => r.id));
  for (const row of missing) {
    const points = computed.get(row.id) ?? [];
    series.set(row.id, points);
    lossMemo.set(key(row), points);
    // The oldest entries go first (a Map iterates in insertion order).
    if (lossMemo.size > LOSS_MEMO_ENTRIES) lossMemo.delete(lossMemo.keys().next().value!);
  }
  return series;
}

/** Runs with their loss series (one more query, only for runs whose series changed since it was last averaged). */
async function toTrainingRuns(db: Database, rows: RunRow[]): Promise<TrainingRun[]> {
  if (rows.length === 0) return [];
  const loss = await lossOf(db, rows);
  return rows.map((row) => ({
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
    loss: loss.get(row.id) ?? [],
    samples: jsonColumn(row.samples).map((s) => ({ id: s.id, step: s.step, promptIndex: s.promptIndex, prompt: s.prompt, url: sampleUrl(row.id, s.id), likeness: s.likeness ?? null })),
    events: jsonColumn(row.events).map((e): TrainingEvent => ({ at: e.at, kind: e.kind, message: e.message })),
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    loraId: row.loraId ?? null,
    gpuWorker: row.gpuWorker,
    workflowId: row.workflowId,
    stopRequestedAt: row.stopRequestedAt?.toISOString() ?? null,
    engineVersion: row.engineVersion,
    correlationId: row.correlationId,
    likeness: row.likeness ?? null,
    continuedFrom: row.continuedFromRunId ? { runId: row.continuedFromRunId, step: row.startStep ?? 0 } : null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  }));
}

export async function createTrainingRun(
  db: Database,
  input: {
    id: string;
    characterId: string;
    preset: PresetId;
    advanced: Record<string, unknown>;
    settings: TrainingSettings;
    engineVersion?: string | null;
    idempotencyKey?: string | null;
    correlationId?: string | null;
    /** A continuation: the run and checkpoint step it resumes (its progress starts there). */
    continuedFrom?: ContinuedFrom;
    /** The memory profile its first engine start uses (default: standard). */
    vramProfile?: 'standard' | 'low';
    /** What the run's page says after "Training queued" about how it starts. */
    events?: { kind: string; message: string }[];
  },
): Promise<TrainingRun> {
  await db
    .insert(trainingRuns)
    .values({
      id: input.id,
      characterId: input.characterId,
      preset: input.preset,
      advanced: input.advanced,
      settings: input.settings as unknown as Record<string, unknown>,
      totalSteps: input.settings.steps,
      workflowId: trainingWorkflowId(input.id),
      engineVersion: input.engineVersion ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      correlationId: input.correlationId ?? null,
      continuedFromRunId: input.continuedFrom?.runId ?? null,
      startStep: input.continuedFrom?.step ?? null,
      step: input.continuedFrom?.step ?? 0,
      vramProfile: input.vramProfile ?? 'standard',
    });
  await addTrainingEvent(db, input.id, 'queued', 'Training queued');
  for (const event of input.events ?? []) await addTrainingEvent(db, input.id, event.kind, event.message);
  return (await getTrainingRun(db, input.id))!;
}

/** The run a request with this idempotency key (see api/idempotency.ts) started, if any. */
export async function trainingRunByIdempotencyKey(db: Database, key: string): Promise<TrainingRun | undefined> {
  const [row] = await selectRuns(db).where(eq(trainingRuns.idempotencyKey, key));
  return row ? (await toTrainingRuns(db, [row]))[0] : undefined;
}

export async function getTrainingRow(db: Database, id: string): Promise<Row | undefined> {
  const [row] = await db.select().from(trainingRuns).where(and(eq(trainingRuns.id, id), isNull(trainingRuns.deletedAt)));
  return row;
}

export async function getTrainingRun(db: Database, id: string): Promise<TrainingRun | undefined> {
  const [row] = await selectRuns(db).where(and(eq(trainingRuns.id, id), isNull(trainingRuns.deletedAt)));
  return row ? (await toTrainingRuns(db, [row]))[0] : undefined;
}

/** A character's runs, newest first (none when the character is deleted). */
export async function listTrainingRuns(db: Database, characterId: string): Promise<TrainingRun[]> {
  const rows = await selectRuns(db)
    .where(and(eq(trainingRuns.characterId, characterId), isNull(trainingRuns.deletedAt), characterIsLive(characterId)))
    .orderBy(desc(trainingRuns.createdAt));
  return toTrainingRuns(db, rows);
}

/** A page's cursor: the last run's creation time (to the microsecond, as the database writes it) and id, opaque to clients. */
interface RunCursor {
  at: string;
  id: string;
}

const CURSOR_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

const encodeRunCursor = (cursor: RunCursor) => Buffer.from(`${cursor.at}|${cursor.id}`).toString('base64url');

function decodeRunCursor(cursor: string): RunCursor | undefined {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !CURSOR_TIMESTAMP.test(at ?? '') || !CURSOR_UUID.test(id ?? '')) return undefined;
  return { at: at!, id: id! };
}

export class BadRunCursorError extends Error {}

/** The LoRA a run made, as JSON built by the database: the checkpoint it recommended, else its most trained one. */
const runLora = sql<{ id: string; name: string; version: number; steps: number } | string | null>`(
  select json_build_object('id', l.id, 'name', l.name, 'version', l.version, 'steps', l.steps)
  from loras l where l.training_run_id = ${trainingRuns.id} and l.deleted_at is null
  order by (l.steps = (${trainingRuns.likeness} -> 'recommended' ->> 'step')::int) desc nulls last, l.steps desc limit 1)`;

/**
 * Every run of every live character in pages, newest first, filtered by status, character and preset. Each run comes
 * with its character's name, its duration and the LoRA it made; no loss series, samples or timeline.
 */
export async function listAllTrainingRuns(
  db: Database,
  query: Omit<TrainingRunListQuery, 'limit'> & { limit: number },
  now: Date = new Date(),
): Promise<{ items: TrainingRunSummary[]; nextCursor: string | null }> {
  const conditions: SQL[] = [isNull(trainingRuns.deletedAt), isNull(characters.deletedAt)];
  if (query.status) conditions.push(eq(trainingRuns.status, query.status));
  if (query.characterId) conditions.push(eq(trainingRuns.characterId, query.characterId));
  if (query.preset) conditions.push(eq(trainingRuns.preset, query.preset));
  if (query.cursor) {
    const after = decodeRunCursor(query.cursor);
    if (!after) throw new BadRunCursorError('cursor is not one this API handed out');
    const at = sql`${after.at}::timestamptz`;
    conditions.push(or(lt(trainingRuns.createdAt, at), and(eq(trainingRuns.createdAt, at), lt(trainingRuns.id, after.id)))!);
  }
  const rows = await db
    .select({
      id: trainingRuns.id,
      characterId: trainingRuns.characterId,
      characterName: characters.name,
      preset: trainingRuns.preset,
      status: trainingRuns.status,
      phase: trainingRuns.phase,
      step: trainingRuns.step,
      totalSteps: trainingRuns.totalSteps,
      stopRequestedAt: trainingRuns.stopRequestedAt,
      errorCode: trainingRuns.errorCode,
      errorMessage: trainingRuns.errorMessage,
      createdAt: trainingRuns.createdAt,
      startedAt: trainingRuns.startedAt,
      finishedAt: trainingRuns.finishedAt,
      recommendedStep: sql<number | string | null>`(${trainingRuns.likeness} -> 'recommended' ->> 'step')::int`,
      lora: runLora,
      cursorAt: sql<string>`${trainingRuns.createdAt}::text`,
    })
    .from(trainingRuns)
    .innerJoin(characters, eq(characters.id, trainingRuns.characterId))
    .where(and(...conditions))
    .orderBy(desc(trainingRuns.createdAt), desc(trainingRuns.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeRunCursor({ at: last.cursorAt, id: last.id }) : null;
  const items = page.map((row): TrainingRunSummary => {
    const lora = row.lora === null ? null : jsonColumn(row.lora);
    const recommendedStep = row.recommendedStep === null ? null : Number(row.recommendedStep);
    const end = row.finishedAt ?? (row.status === 'running' || row.status === 'queued' ? now : null);
    return {
      id: row.id,
      characterId: row.characterId,
      characterName: row.characterName,
      preset: row.preset as PresetId,
      status: row.status,
      phase: row.phase as TrainingPhase,
      step: row.step,
      totalSteps: row.totalSteps,
      stopRequestedAt: row.stopRequestedAt?.toISOString() ?? null,
      error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
      createdAt: row.createdAt.toISOString(),
      startedAt: row.startedAt?.toISOString() ?? null,
      finishedAt: row.finishedAt?.toISOString() ?? null,
      durationSeconds: row.startedAt && end ? Math.max(0, Math.round((end.getTime() - row.startedAt.getTime()) / 1000)) : null,
      lora: lora && { ...lora, recommended: recommendedStep !== null && lora.steps === recommendedStep },
    };
  });
  return { items, nextCursor };
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
      .select({ attempt: trainingRuns.attempt, gpuWorker: trainingRuns.gpuWorker, status: trainingRuns.status, stopRequestedAt: trainingRuns.stopRequestedAt })
      .from(trainingRuns)
      .where(eq(trainingRuns.id, id))
      .for('update');
    if (!row || row.attempt !== report.attempt || row.gpuWorker !== report.workerId || row.status !== 'running') {
      throw new StaleReportError();
    }
    // One point per step: the engine prints a step's loss twice (tqdm redraws), and a resend may repeat it.
    // Loss points are written here only, with progress_seq bumped below in the same transaction (lossMemo relies on it).
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
    // One sample per step and prompt: a start that re-runs steps after its checkpoint, or a finished run started
    // again, makes another image for a step already shown; the first one stays (the run row's lock above orders
    // concurrent reports, so the check cannot race).
    for (const sample of report.samples ?? []) {
      const [known] = await tx
        .select({ id: trainingSamples.id })
        .from(trainingSamples)
        .where(and(eq(trainingSamples.runId, id), eq(trainingSamples.step, sample.step), eq(trainingSamples.promptIndex, sample.promptIndex)))
        .limit(1);
      if (known) continue;
      await tx
        .insert(trainingSamples)
        .values({ runId: id, step: sample.step, promptIndex: sample.promptIndex, prompt: sample.prompt, filePath: sample.filePath })
        .onConflictDoNothing();
    }
    for (const event of report.events ?? []) {
      await tx.insert(trainingEvents).values({ runId: id, kind: event.kind, message: event.message });
    }
    // Once a stop was asked for, the run shows where it was: the steps the engine runs until it has saved do not count.
    const counting = row.stopRequestedAt === null;
    const [updated] = await tx
      .update(trainingRuns)
      .set({
        ...(report.phase !== undefined && (counting || report.phase === 'stopping') ? { phase: report.phase } : {}),
        ...(report.step !== undefined && counting ? { step: report.step } : {}),
        ...(report.totalSteps !== undefined ? { totalSteps: report.totalSteps } : {}),
        ...(report.itPerSec !== undefined && counting ? { itPerSec: report.itPerSec } : {}),
        ...(report.etaSeconds !== undefined && counting ? { etaSeconds: report.etaSeconds === null ? null : Math.round(report.etaSeconds) } : {}),
        ...(report.lastCheckpointStep !== undefined ? { lastCheckpointStep: report.lastCheckpointStep } : {}),
        updatedAt: new Date(),
        progressSeq: sql`${trainingRuns.progressSeq} + 1`,
      })
      .where(eq(trainingRuns.id, id))
      .returning({ seq: trainingRuns.progressSeq });
    return updated!.seq;
  });
}

/**
 * Notes that the user asked to stop (the workflow is asked next): the run shows "Stopping" from now on and its step
 * stops counting. False when the run has already ended.
 */
export async function requestTrainingStop(db: Database, id: string): Promise<boolean> {
  const rows = await db
    .update(trainingRuns)
    .set({
      stopRequestedAt: sql`coalesce(${trainingRuns.stopRequestedAt}, now())`,
      phase: sql`case when ${trainingRuns.status} = 'running' then 'stopping' else ${trainingRuns.phase} end`,
      itPerSec: null,
      etaSeconds: null,
      updatedAt: new Date(),
      progressSeq: sql`${trainingRuns.progressSeq} + 1`,
    })
    .where(and(eq(trainingRuns.id, id), inArray(trainingRuns.status, ['queued', 'running'])))
    .returning({ id: trainingRuns.id });
  return rows.length > 0;
}

export async function finishTrainingRun(
  db: Database,
  id: string,
  outcome: { status: Exclude<TrainingStatus, 'queued' | 'running'>; errorCode?: string; errorMessage?: string; message: string },
): Promise<void> {
  // Before its rate is cleared: what runs like it are estimated from.
  if (outcome.status === 'completed') await recordTrainingSpeed(db, id);
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

/**
 * Ends a run that is still queued or running, when its workflow can no longer do it (see api/jobs/reconciler.ts).
 * False when it had already ended.
 */
export async function closeOpenTrainingRun(
  db: Database,
  id: string,
  outcome: { status: Exclude<TrainingStatus, 'queued' | 'running'>; errorCode?: string; errorMessage?: string; message: string },
): Promise<boolean> {
  const now = new Date();
  const rows = await db
    .update(trainingRuns)
    .set({
      status: outcome.status,
      phase: 'done',
      errorCode: outcome.errorCode ?? null,
      errorMessage: outcome.errorMessage ?? null,
      finishedAt: now,
      itPerSec: null,
      etaSeconds: null,
      updatedAt: now,
      progressSeq: sql`${trainingRuns.progressSeq} + 1`,
    })
    .where(and(eq(trainingRuns.id, id), inArray(trainingRuns.status, ['queued', 'running'])))
    .returning({ id: trainingRuns.id });
  if (rows.length === 0) return false;
  await addTrainingEvent(db, id, outcome.status, outcome.message);
  return true;
}

/** Runs still queued or running, oldest first. */
export async function unfinishedTrainingRuns(db: Database): Promise<Row[]> {
  return db
    .select()
    .from(trainingRuns)
    .where(and(isNull(trainingRuns.deletedAt), inArray(trainingRuns.status, ['queued', 'running'])))
    .orderBy(trainingRuns.createdAt);
}

export async function getTrainingSample(db: Database, runId: string, sampleId: string) {
  const [row] = await db
    .select()
    .from(trainingSamples)
    .where(and(eq(trainingSamples.runId, runId), eq(trainingSamples.id, sampleId)));
  return row;
}

/** The samples of a run not scored yet, in the order they were made. */
export async function unscoredTrainingSamples(db: Database, runId: string) {
  return db
    .select({ id: trainingSamples.id, step: trainingSamples.step, filePath: trainingSamples.filePath })
    .from(trainingSamples)
    .where(and(eq(trainingSamples.runId, runId), isNull(trainingSamples.likeness)))
    .orderBy(trainingSamples.step, trainingSamples.promptIndex);
}

/**
 * Records a sample's likeness, unless it has one already: a sample is scored once, so two scorers of the same run
 * (the live one and the run's last step) can never record different scores for it.
 */
export async function setTrainingSampleLikeness(db: Database, sampleId: string, likeness: PictureLikeness): Promise<boolean> {
  const rows = await db
    .update(trainingSamples)
    .set({ likeness })
    .where(and(eq(trainingSamples.id, sampleId), isNull(trainingSamples.likeness)))
    .returning({ id: trainingSamples.id });
  return rows.length > 0;
}

/** Every sample of a run with its step and likeness (null until scored). */
export async function trainingSampleScores(db: Database, runId: string) {
  return db
    .select({ step: trainingSamples.step, likeness: trainingSamples.likeness })
    .from(trainingSamples)
    .where(eq(trainingSamples.runId, runId));
}

/**
 * Writes a run's likeness curve, keeping the checkpoint it recommended if one was (only the run's end decides that),
 * and bumps its event sequence so the run page shows the new scores.
 */
export async function setTrainingLikenessCurve(db: Database, runId: string, scorer: string, curve: CheckpointLikeness[]): Promise<void> {
  const fresh = JSON.stringify({ scorer, curve });
  await db
    .update(trainingRuns)
    .set({
      likeness: sql`${fresh}::jsonb || jsonb_build_object('recommended', coalesce(${trainingRuns.likeness} -> 'recommended', 'null'::jsonb))`,
      updatedAt: new Date(),
      progressSeq: sql`${trainingRuns.progressSeq} + 1`,
    })
    .where(eq(trainingRuns.id, runId));
}

/** Writes a run's whole likeness: its curve and the checkpoint it recommends. */
export async function setTrainingLikeness(db: Database, runId: string, likeness: RunLikeness): Promise<void> {
  await db
    .update(trainingRuns)
    .set({ likeness, updatedAt: new Date(), progressSeq: sql`${trainingRuns.progressSeq} + 1` })
    .where(eq(trainingRuns.id, runId));
}
