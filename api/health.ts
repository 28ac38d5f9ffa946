import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { temporal as protoTypes } from '@temporalio/proto';
import type { DatabaseHandle } from '../db/client';
import { listGpuWorkers } from '../db/repositories/gpu-workers';
import { labelJobs } from '../db/repositories/job-labels';
import type { Config } from '../lib/config';
import { sizeText, type DiskHealth, type DiskVolume, type GpuWorkerHealth, type Health, type HealthCheck } from '../lib/contracts/health';
import { BASE_MODEL_CATALOGUE, type ModelCatalogue } from '../lib/models/catalogue';
import { CONTROL_QUEUE, GPU_QUEUE } from '../lib/temporal/queues';
import { engineIsUsable } from '../plugins/engine';
import { volumeSpace, type VolumeSpace } from './middleware/disk-space';

// A CommonJS package: its namespaces are only reachable through the default export under Node's ESM loader.
const { temporal } = proto;

const CHECK_TIMEOUT_MS = 3_000;
/**
 * A live worker re-polls at least once a minute (long polls last up to about 60 s), so a poller not seen for
 * longer than this is a worker that went away.
 */
export const POLLER_FRESH_MS = 90_000;
/** A GPU worker lost for longer than this is no longer news: it leaves the list. */
const FORGET_LOST_AFTER_SECONDS = 3_600;

export interface HealthDeps {
  config: Config;
  db: DatabaseHandle;
  temporal: Client;
  /** The base models generation needs (default: the real catalogue). */
  models?: ModelCatalogue;
}

interface Poller {
  queue: string;
  identity: string;
}

/** Temporal calls with a deadline: a check that gives up must also end its call (and its retries). */
async function withDeadline<T>(deps: HealthDeps, call: () => Promise<T>): Promise<T> {
  try {
    return await deps.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, call);
  } catch (err) {
    if ((err as { code?: number }).code === 4) throw new Error(`Temporal did not answer within ${CHECK_TIMEOUT_MS / 1000} s`);
    throw err;
  }
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

async function checkDatabase(db: DatabaseHandle): Promise<HealthCheck> {
  try {
    await db.ping(CHECK_TIMEOUT_MS);
    return { ok: true, message: db.kind === 'pglite' ? 'Embedded database (PGlite) answers' : 'PostgreSQL server answers' };
  } catch (err) {
    return { ok: false, message: `The database does not answer: ${reason(err)}` };
  }
}

async function livePollers(deps: HealthDeps, queue: string, type: protoTypes.api.enums.v1.TaskQueueType): Promise<Poller[]> {
  const response = await deps.temporal.workflowService.describeTaskQueue({
    namespace: deps.config.temporal.namespace,
    taskQueue: { name: queue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: type,
  });
  const freshAfter = Date.now() - POLLER_FRESH_MS;
  return (response.pollers ?? [])
    .filter((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= freshAfter)
    .map((p) => ({ queue, identity: p.identity ?? 'unknown' }));
}

/** What the GPU workers last reported, each judged against GPU_LOST_AFTER_SECONDS, with its jobs in words. */
async function gpuWorkersHealth(deps: HealthDeps): Promise<GpuWorkerHealth[]> {
  const rows = await listGpuWorkers(deps.db.db, FORGET_LOST_AFTER_SECONDS);
  const labels = await labelJobs(deps.db.db, rows.flatMap((r) => r.jobs));
  return rows.map((row) => ({
    workerId: row.workerId,
    identity: row.identity,
    hostname: row.hostname,
    state: row.silentSeconds > deps.config.gpu.lostAfterSeconds ? 'lost' : row.jobs.length > 0 ? 'busy' : 'idle',
    silentSeconds: Math.round(row.silentSeconds),
    jobs: row.jobs.map((id) => ({ id, label: labels.get(id) ?? id })),
    engines: row.engines,
    gpu: row.gpu ?? null,
  }));
}

function describeLost(worker: GpuWorkerHealth): string {
  const held = worker.jobs.length > 0 ? `; it held ${worker.jobs.map((j) => j.label).join(', ')}, which moves to another GPU worker` : '';
  return `GPU worker ${worker.workerId} is lost: no word from it for ${worker.silentSeconds} s${held}`;
}

async function checkTemporalAndWorkers(
  deps: HealthDeps,
  /** Undefined when the database, where GPU workers report, cannot be read. */
  gpuWorkers: GpuWorkerHealth[] | undefined,
): Promise<{ temporal: HealthCheck; workers: HealthCheck; pollers: Poller[] }> {
  const { address, namespace } = deps.config.temporal;
  try {
    await withDeadline(deps, () => deps.temporal.workflowService.describeNamespace({ namespace }));
  } catch (err) {
    return {
      temporal: { ok: false, message: `Temporal at ${address} (namespace ${namespace}) is not reachable: ${reason(err)}` },
      workers: { ok: false, message: 'Unknown: Temporal is not reachable' },
      pollers: [],
    };
  }
  const temporalOk: HealthCheck = { ok: true, message: `Connected to ${address}, namespace ${namespace}` };
  try {
    const { TASK_QUEUE_TYPE_WORKFLOW: WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY: ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
    // A GPU worker whose slots are all busy stops polling the shared queue; its own queue it always polls.
    const ownQueues = [...new Set((gpuWorkers ?? []).map((w) => `${GPU_QUEUE}.${w.workerId}`))];
    const [controlWorkflow, controlActivity, ...gpuQueues] = await withDeadline(deps, () =>
      Promise.all([
        livePollers(deps, CONTROL_QUEUE, WORKFLOW),
        livePollers(deps, CONTROL_QUEUE, ACTIVITY),
        livePollers(deps, GPU_QUEUE, ACTIVITY),
        ...ownQueues.map((queue) => livePollers(deps, queue, ACTIVITY)),
      ]),
    );
    const byKey = new Map([...controlWorkflow, ...controlActivity, ...gpuQueues.flat()].map((p) => [`${p.queue} ${p.identity}`, p]));
    const problems: string[] = [];
    if (controlWorkflow.length === 0 || controlActivity.length === 0) problems.push(`No control worker polls ${CONTROL_QUEUE}`);
    const live = gpuWorkers?.filter((w) => w.state !== 'lost') ?? [];
    if (!gpuWorkers) problems.push('The GPU workers cannot be seen: they report through the database, which does not answer');
    else problems.push(...gpuWorkers.filter((w) => w.state === 'lost').map(describeLost));
    if (gpuWorkers && live.length === 0) problems.push('No GPU worker is running: jobs wait until one starts');
    return {
      temporal: temporalOk,
      workers:
        problems.length === 0
          ? { ok: true, message: `Control worker running; ${plural(live.length, 'GPU worker')} running` }
          : { ok: false, message: problems.join('; ') },
      pollers: [...byKey.values()],
    };
  } catch (err) {
    return { temporal: temporalOk, workers: { ok: false, message: `Could not list workers: ${reason(err)}` }, pollers: [] };
  }
}

/** Engines as the live GPU workers last reported them. */
function checkEngines(gpuWorkers: GpuWorkerHealth[]): Health['checks']['engines'] {
  const live = gpuWorkers.filter((w) => w.state !== 'lost');
  if (live.length === 0) return { ok: false, message: 'No running GPU worker has reported its engines' };
  const problems: string[] = [];
  const ready = new Set<string>();
  let starting = false;
  for (const worker of live) {
    for (const engine of worker.engines) {
      if (engineIsUsable(engine)) ready.add(`${engine.label}${engine.state === 'simulated' ? ' (simulated)' : ''}`);
      else problems.push(`${engine.label} on ${worker.workerId}: ${engine.message}`);
      starting ||= engine.state === 'starting';
    }
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; '), starting };
  if (ready.size === 0) return { ok: true, message: 'GPU workers are running; no engine is installed yet' };
  return { ok: true, message: `Ready: ${[...ready].join(', ')}` };
}

const megabytes = (mb: number | null) => (mb === null ? 'unknown' : sizeText(mb));

/**
 * Whether the live GPU workers can use their GPUs, as their engines' Pythons found at start: a worker whose engine
 * cannot makes health degraded (its jobs fail at once), unless ALLOW_CPU_ENGINES lets them run on the CPU.
 */
export function checkGpu(gpuWorkers: GpuWorkerHealth[]): HealthCheck {
  const live = gpuWorkers.filter((w) => w.state !== 'lost');
  if (live.length === 0) return { ok: false, message: 'No running GPU worker has reported its GPU' };
  const problems: string[] = [];
  const fine: string[] = [];
  for (const { workerId, gpu } of live) {
    if (!gpu) fine.push(`${workerId}: not reported (a worker of an earlier release)`);
    else if (gpu.state === 'unusable' && !gpu.cpuAllowed) problems.push(`GPU worker ${workerId} ${gpu.reason ?? 'cannot use its GPU'}`);
    else if (gpu.state === 'unusable') fine.push(`${workerId}: no usable GPU, its engines run on the CPU as ALLOW_CPU_ENGINES asks (slowly)`);
    else if (gpu.state === 'usable') fine.push(`${workerId}: ${gpu.device ?? 'a GPU'}, ${megabytes(gpu.freeMb)} free of ${megabytes(gpu.totalMb)}`);
    else if (gpu.state === 'simulated') fine.push(`${workerId}: simulated (fast-test)`);
    else if (gpu.state === 'checking') fine.push(`${workerId}: being checked`);
    else fine.push(`${workerId}: ${gpu.reason ?? 'not checked'}`);
  }
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : { ok: true, message: fine.join('; ') };
}

/** Whether the base models' weights are on disk (the Models page downloads them). */
function checkBaseModels(deps: HealthDeps): HealthCheck {
  if (deps.config.mode === 'fast-test') return { ok: true, message: 'Not needed: the simulated engines use stand-ins' };
  const catalogue = deps.models ?? BASE_MODEL_CATALOGUE;
  const missing = catalogue.filter((model) => model.files.some((file) => !existsSync(path.join(deps.config.storage.baseModels, file.target))));
  if (missing.length > 0) {
    return { ok: false, message: `Not downloaded yet: ${missing.map((m) => m.label).join(', ')}. Download them on the Models page.` };
  }
  return { ok: true, message: `Downloaded: ${catalogue.map((m) => m.label).join(', ')}` };
}

const MB = 1024 * 1024;

const VOLUME_WORDS = { data: 'data volume', logs: 'log volume' } as const;

/**
 * Free space on the data volume (DATA_DIR) and the log volume (LOG_DIR), by statfs: degraded below
 * DISK_LOW_FREE_MB, with the numbers; below DISK_RESERVE_MB the data volume refuses new uploads, trainings and
 * generations (api/middleware/disk-space.ts), which the message says.
 */
export async function checkDisk(config: Pick<Config, 'storage' | 'log' | 'disk'>): Promise<{ check: HealthCheck; disk: DiskHealth }> {
  const { lowFreeMb, reserveMb } = config.disk;
  type Measured = { name: DiskVolume['name']; path: string; space?: VolumeSpace; error?: string };
  const measure = async (name: DiskVolume['name'], folder: string): Promise<Measured> => {
    try {
      return { name, path: folder, space: await volumeSpace(folder) };
    } catch (err) {
      return { name, path: folder, error: reason(err) };
    }
  };
  const [data, logs] = await Promise.all([measure('data', config.storage.root), measure('logs', config.log.dir)]);
  const shared = data.space !== undefined && logs.space !== undefined && data.space.device === logs.space.device;
  const volumes: DiskVolume[] = [];
  const problems: string[] = [];
  const fine: string[] = [];
  for (const entry of [data, logs]) {
    const { space } = entry;
    if (!space) {
      problems.push(`the free space of the ${VOLUME_WORDS[entry.name]} (${entry.path}) cannot be measured: ${entry.error ?? 'unknown error'}`);
      continue;
    }
    const freeMb = space.freeBytes / MB;
    const state = freeMb < reserveMb ? 'full' : freeMb < lowFreeMb ? 'low' : 'ok';
    volumes.push({
      name: entry.name,
      path: entry.path,
      freeMb: Math.floor(freeMb),
      freeGb: Math.floor((freeMb / 1024) * 100) / 100,
      totalMb: Math.floor(space.totalBytes / MB),
      totalGb: Math.floor((space.totalBytes / 1024 ** 3) * 100) / 100,
      state,
      ...(entry.name === 'logs' ? { sameVolumeAsData: shared } : {}),
    });
    if (entry.name === 'logs' && shared) continue; // the same space, said once with the data volume
    const has = `the ${entry.name === 'data' && shared ? 'data and log volume' : VOLUME_WORDS[entry.name]} has ${sizeText(freeMb)} free`;
    if (state === 'ok') fine.push(`${has} of ${sizeText(space.totalBytes / MB)}`);
    else if (state === 'full' && entry.name === 'data') {
      problems.push(`${has} (below the ${sizeText(reserveMb)} reserve: uploads, trainings and generations are refused until some space is freed)`);
    } else problems.push(`${has} (below the ${sizeText(lowFreeMb)} warning threshold)`);
  }
  const sentence = (clauses: string[]) => {
    const text = clauses.join('; ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  };
  const check = problems.length > 0 ? { ok: false, message: sentence(problems) } : { ok: true, message: sentence(fine) };
  return { check, disk: { lowFreeMb, reserveMb, volumes } };
}

/** Rejects when `promise` has not settled within `ms` (a database cut off holds its queries for longer). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('too late')), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export async function checkHealth(deps: HealthDeps): Promise<Health> {
  const [database, gpuWorkers] = await Promise.all([
    checkDatabase(deps.db),
    within(gpuWorkersHealth(deps), CHECK_TIMEOUT_MS).catch(() => undefined),
  ]);
  const { temporal: temporalCheck, workers, pollers } = await checkTemporalAndWorkers(deps, gpuWorkers);
  const engines = gpuWorkers
    ? checkEngines(gpuWorkers)
    : { ok: false, message: 'Unknown: the GPU workers report through the database, which does not answer' };
  const gpu = gpuWorkers ? checkGpu(gpuWorkers) : { ok: false, message: 'Unknown: the GPU workers report through the database, which does not answer' };
  const models = checkBaseModels(deps);
  const { check: disk, disk: diskReport } = await checkDisk(deps.config);
  // Down only when nothing can work; without one of the two, browsing or jobs still do, in part.
  const status = !database.ok && !temporalCheck.ok ? 'down' : [database, temporalCheck, workers, engines, gpu, models, disk].every((c) => c.ok) ? 'ok' : 'degraded';
  return {
    status,
    mode: deps.config.mode,
    checks: { temporal: temporalCheck, database, workers, engines, gpu, models, disk },
    disk: diskReport,
    workers: pollers,
    gpuWorkers: gpuWorkers ?? [],
    gpuLostAfterSeconds: deps.config.gpu.lostAfterSeconds,
    temporalUiUrl: deps.config.temporal.uiUrl ?? null,
    temporalNamespace: deps.config.temporal.namespace,
  };
}
