import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { temporal as protoTypes } from '@temporalio/proto';
import type { DatabaseHandle } from '../db/client';
import { readStatusFiles } from '../lib/worker-status';
import type { Config } from '../lib/config';
import type { Health, HealthCheck } from '../lib/contracts/health';
import { BASE_MODEL_CATALOGUE, type ModelCatalogue } from '../lib/models/catalogue';
import { CONTROL_QUEUE, GPU_QUEUE } from '../lib/temporal/queues';
import { engineIsUsable } from '../plugins/engine';

// A CommonJS package: its namespaces are only reachable through the default export under Node's ESM loader.
const { temporal } = proto;

const CHECK_TIMEOUT_MS = 3_000;
/**
 * A live worker re-polls at least once a minute (long polls last up to about 60 s), so a poller not seen for
 * longer than this is a worker that went away.
 */
export const POLLER_FRESH_MS = 90_000;

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
    .filter((p) => {
      const seconds = Number(p.lastAccessTime?.seconds ?? 0);
      return seconds * 1000 >= freshAfter;
    })
    .map((p) => ({ queue, identity: p.identity ?? 'unknown' }));
}

async function checkTemporalAndWorkers(
  deps: HealthDeps,
): Promise<{ temporal: HealthCheck; workers: HealthCheck; pollers: Poller[] }> {
  const [control, gpu] = [CONTROL_QUEUE, GPU_QUEUE];
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
    const ownQueues = [...new Set(readStatusFiles(deps.config.storage.workers).map((s) => s.queue))];
    const [controlWorkflow, controlActivity, gpuShared, ...gpuOwn] = await withDeadline(deps, () =>
      Promise.all([
        livePollers(deps, control, WORKFLOW),
        livePollers(deps, control, ACTIVITY),
        livePollers(deps, gpu, ACTIVITY),
        ...ownQueues.map((queue) => livePollers(deps, queue, ACTIVITY)),
      ]),
    );
    const gpuActivity = [...gpuShared, ...gpuOwn.flat()];
    const byKey = new Map([...controlWorkflow, ...controlActivity, ...gpuActivity].map((p) => [`${p.queue} ${p.identity}`, p]));
    const pollers = [...byKey.values()];
    const missing: string[] = [];
    if (controlWorkflow.length === 0 || controlActivity.length === 0) missing.push(`no control worker polls ${control}`);
    if (gpuActivity.length === 0) missing.push(`no GPU worker is running (none polls ${gpu}): jobs will wait until one starts`);
    const gpuCount = new Set(gpuActivity.map((p) => p.identity)).size;
    return {
      temporal: temporalOk,
      workers:
        missing.length === 0
          ? { ok: true, message: `Control worker running; ${gpuCount} GPU worker${gpuCount === 1 ? '' : 's'} running` }
          : { ok: false, message: capitalize(missing.join('; ')) },
      pollers,
    };
  } catch (err) {
    return { temporal: temporalOk, workers: { ok: false, message: `Could not list workers: ${reason(err)}` }, pollers: [] };
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Engines as the live GPU workers report them in their status files on the shared storage. */
function checkEngines(deps: HealthDeps, pollers: Poller[]): Health['checks']['engines'] {
  const live = new Set(pollers.filter((p) => p.queue.startsWith(GPU_QUEUE)).map((p) => p.identity));
  const statuses = readStatusFiles(deps.config.storage.workers).filter((s) => live.has(s.identity));
  if (statuses.length === 0) return { ok: false, message: 'No running GPU worker has reported its engines' };
  const problems: string[] = [];
  const ready = new Set<string>();
  let starting = false;
  for (const status of statuses) {
    for (const engine of status.engines) {
      if (engineIsUsable(engine)) ready.add(`${engine.label}${engine.state === 'simulated' ? ' (simulated)' : ''}`);
      else problems.push(`${engine.label} on ${status.workerId}: ${engine.message}`);
      starting ||= engine.state === 'starting';
    }
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; '), starting };
  if (ready.size === 0) return { ok: true, message: 'GPU workers are running; no engine is installed yet' };
  return { ok: true, message: `Ready: ${[...ready].join(', ')}` };
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

export async function checkHealth(deps: HealthDeps): Promise<Health> {
  const [database, { temporal: temporalCheck, workers, pollers }] = await Promise.all([
    checkDatabase(deps.db),
    checkTemporalAndWorkers(deps),
  ]);
  const engines = temporalCheck.ok
    ? checkEngines(deps, pollers)
    : { ok: false, message: 'Unknown: Temporal is not reachable, so the GPU workers cannot be seen' };
  const models = checkBaseModels(deps);
  // Down only when nothing can work; without one of the two, browsing or jobs still do, in part.
  const status = !database.ok && !temporalCheck.ok ? 'down' : [database, temporalCheck, workers, engines, models].every((c) => c.ok) ? 'ok' : 'degraded';
  return {
    status,
    mode: deps.config.mode,
    checks: { temporal: temporalCheck, database, workers, engines, models },
    workers: pollers,
    temporalUiUrl: deps.config.temporal.uiUrl ?? null,
    temporalNamespace: deps.config.temporal.namespace,
  };
}
