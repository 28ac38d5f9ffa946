import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { createGpuWorker, type GpuWorkerHandle } from '../../activities/gpu/worker';
import { startControlPlane, type ControlPlane } from '../../api/control-plane';
import type { DatabaseHandle } from '../../db/client';
import type { ModelCatalogue } from '../../lib/models/catalogue';
import { loadConfig, type Config } from '../../lib/config';
import { createLogger, type Logger } from '../../lib/logger/logger';
import { PROJECT_ROOT } from '../../lib/project-root';
import { installSdkLogger } from '../../lib/temporal/sdk-logger';
import { ensureNamespace, ensureSearchAttributes } from '../../lib/temporal/setup';
import { freePort } from '../../temporal-dev/dev-server';
import { openTestDatabase, type TestDatabaseKind } from './databases';

export interface TestStack {
  config: Config;
  env: Record<string, string>;
  plane: ControlPlane;
  db: DatabaseHandle;
  logs: { api: Logger; worker: Logger; web: Logger };
  /** Starts an in-process GPU worker; `env` adds to the stack's environment (e.g. ISENGARD_SIM_FAULT). */
  startGpuWorker(workerId: string, env?: Record<string, string>): Promise<GpuWorkerHandle>;
  /** Starts a GPU worker as its own process through the real entry point (`npm run worker:gpu`). */
  spawnGpuWorker(workerId: string, env?: Record<string, string>): Promise<ChildProcess>;
  stop(): Promise<void>;
}


/**
 * A whole Isengard against the real Temporal dev server of this test run: a namespace of its own (so test files
 * never see each other's tasks), fresh data and log folders, a real database, the control plane on a free port.
 */
export async function startTestStack(
  options: { db?: TestDatabaseKind; database?: DatabaseHandle; env?: Record<string, string>; models?: ModelCatalogue } = {},
): Promise<TestStack> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'isengard-stack-'));
  const env: Record<string, string> = {
    ISENGARD_MODE: 'fast-test',
    DATA_DIR: path.join(root, 'data'),
    LOG_DIR: path.join(root, 'logs'),
    LOG_LEVEL: 'DEBUG',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: `test-${randomUUID().slice(0, 8)}`,
    WORKFLOW_BUNDLE: inject('workflowBundle'),
    GPU_LOST_AFTER_SECONDS: '3',
    // A test machine may have little free disk; test/faults/disk-full sets its own thresholds.
    DISK_LOW_FREE_MB: '64',
    DISK_RESERVE_MB: '16',
    // GPU workers report training progress to the control plane at this address.
    PORT: String(await freePort()),
    ISENGARD_SIM_STEP_MS: '20',
    ISENGARD_SIM_LOAD_MS: '50',
    SHUTDOWN_GRACE_SECONDS: '5',
    ...options.env,
  };
  process.env.WORKFLOW_BUNDLE = env.WORKFLOW_BUNDLE;
  const config = loadConfig(env);
  const logs = {
    api: createLogger({ service: 'api', level: 'DEBUG', dir: config.log.dir }),
    worker: createLogger({ service: 'worker', level: 'DEBUG', dir: config.log.dir }),
    web: createLogger({ service: 'web', file: 'client', level: 'DEBUG', dir: config.log.dir }),
  };
  installSdkLogger(logs.worker);

  const connection = await Connection.connect({ address: config.temporal.address });
  await ensureNamespace(connection, config.temporal.namespace, logs.api);
  await ensureSearchAttributes(connection, config.temporal.namespace, logs.api);
  await connection.close();

  const db = options.database ?? (await openTestDatabase(options.db ?? 'pglite'));
  const plane = await startControlPlane({
    config,
    apiLogger: logs.api,
    workerLogger: logs.worker,
    clientLogger: logs.web,
    db,
    models: options.models,
  });

  const inProcess: Array<{ handle: GpuWorkerHandle; run: Promise<void>; connection: NativeConnection }> = [];
  const children: ChildProcess[] = [];

  return {
    config,
    env,
    plane,
    db,
    logs,
    async startGpuWorker(workerId, extra = {}) {
      const connection = await NativeConnection.connect({ address: config.temporal.address });
      // Each GPU worker runs its own ComfyUI: on a port of its own.
      const workerEnv = { ...env, COMFYUI_PORT: String(await freePort()), GPU_WORKER_ID: workerId, ...extra };
      const handle = await createGpuWorker(connection, { config: loadConfig(workerEnv), logger: logs.worker, workerId });
      inProcess.push({ handle, run: handle.run(), connection });
      return handle;
    },
    async spawnGpuWorker(workerId, extra = {}) {
      // `node --import tsx`, not the tsx wrapper: one process, so a kill -9 hits the worker itself.
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'activities', 'gpu', 'main.ts')], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...env, COMFYUI_PORT: String(await freePort()), ...extra, GPU_WORKER_ID: workerId },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.on('line', (line) => line.includes('"event":"worker.ready"') && resolve());
        child.once('exit', (code) => reject(new Error(`GPU worker ${workerId} exited with ${code} while starting`)));
      });
      return child;
    },
    async stop() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const w of inProcess) w.handle.shutdown();
      await Promise.allSettled(inProcess.map((w) => w.run));
      await Promise.allSettled(inProcess.map((w) => w.connection.close()));
      await plane.stop();
      await db.close();
      for (const logger of Object.values(logs)) logger.flush();
      // KEEP_TEST_DIRS=1 keeps the data and logs of a stack for a post-mortem.
      if (process.env.KEEP_TEST_DIRS === '1') process.stderr.write(`Test stack kept in ${root}\n`);
      // An engine process of a GPU worker killed above may write its last file while the folder goes.
      else rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what: string | (() => string) = 'condition',
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out waiting for ${typeof what === 'function' ? what() : what}${last ? `: ${(last as Error).message}` : ''}`);
}
