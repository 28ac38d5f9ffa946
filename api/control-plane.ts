import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { queueUnscoredOutputs } from '../activities/control/output-likeness';
import { createControlWorker } from '../activities/control/worker';
import { openDatabase, type DatabaseHandle } from '../db/client';
import { createArtifactStore } from '../lib/artifacts';
import type { ArtifactStore } from '../lib/artifacts/store';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger/logger';
import type { ModelCatalogue } from '../lib/models/catalogue';
import { ensureStorage } from '../lib/storage';
import { connectClient, connectWorkerConnection } from '../lib/temporal/connection';
import { ensureNamespace, ensureSearchAttributes } from '../lib/temporal/setup';
import { createApp } from './app';
import { Auth } from './auth/service';
import { JobReconciler } from './jobs/reconciler';
import { ChangeBus } from './events/change-bus';
import { ListCache } from './middleware/list-cache';
import { createPhotoChecker } from './photo-checks/checker';
import { closeSharedIdentityScorer, sharedIdentityScorer } from '../plugins/identity/registry';

export interface ControlPlaneOptions {
  config: Config;
  apiLogger: Logger;
  workerLogger: Logger;
  clientLogger: Logger;
  /** An open database (tests); otherwise the one the configuration names is opened and migrated. */
  db?: DatabaseHandle;
  /** Run the `isengard-control` worker in this process (the default, design §3). */
  withWorker?: boolean;
  /** Listen on this port instead of the configured one (0 = any free port). */
  port?: number;
  /** The base models to provision (default: the real catalogue). */
  models?: ModelCatalogue;
  /** Default: the store the configuration names (STORAGE_URL, else the data root). */
  artifacts?: ArtifactStore;
}

export interface ControlPlane {
  url: string;
  app: Express;
  db: DatabaseHandle;
  temporal: Client;
  worker: Worker | undefined;
  reconciler: JobReconciler;
  /** Resolves when the worker stops; rejects if it fails. */
  workerRun: Promise<void>;
  stop(): Promise<void>;
}

function listen(app: Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    // Longer than clients' and proxies' idle timeouts, so the server never closes a socket a client is reusing.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`Port ${port} on ${host} is already in use: set PORT to a free port`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new Error(`HOST ${host} is not an address of this machine`));
      else reject(err);
    });
  });
}

/** The control plane (design §3): the API and the `isengard-control` worker, the only holders of the database. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { config, apiLogger, workerLogger, clientLogger } = options;
  ensureStorage(config.storage);

  const db = options.db ?? (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.storage.pg }));
  if (!options.db) {
    await db.migrate();
    apiLogger.info('db.migrated', `Database ready (${db.kind === 'pglite' ? `PGlite in ${config.storage.pg}` : 'PostgreSQL server'})`);
  }

  const artifacts = options.artifacts ?? createArtifactStore(config, apiLogger);
  const workerConnection = (options.withWorker ?? true) ? await connectWorkerConnection(config, workerLogger) : undefined;
  const temporal = await connectClient(config, apiLogger, workerConnection);
  if (config.temporal.managed) await ensureNamespace(temporal.connection, config.temporal.namespace, apiLogger);
  await ensureSearchAttributes(temporal.connection, config.temporal.namespace, apiLogger);

  const changes = new ChangeBus();
  const lists = new ListCache();
  let worker: Worker | undefined;
  let workerRun: Promise<void> = Promise.resolve();
  if (workerConnection) {
    worker = await createControlWorker(workerConnection, {
      db: db.db,
      config,
      logger: workerLogger,
      artifacts,
      changed: (jobId) => {
        lists.invalidate();
        if (jobId) changes.publish(jobId);
      },
    });
    workerRun = worker.run();
    workerLogger.info('worker.ready', 'Control worker polls isengard-control', { queue: 'isengard-control' });
    // Pictures a crash left unscored are scored in the background, newest first.
    const changed = (id?: string) => {
      lists.invalidate();
      if (id) changes.publish(id);
    };
    queueUnscoredOutputs({ db: db.db, storageRoot: config.storage.root, artifacts, logger: workerLogger, changed }).catch((err: unknown) => workerLogger.warn('likeness.sweep_failed', `Unscored pictures not queued: ${(err as Error).message}`));
  }

  const reconciler = new JobReconciler({
    db,
    temporal,
    logger: apiLogger,
    changed: (jobId) => {
      lists.invalidate();
      changes.publish(jobId);
    },
    everyMs: config.reconcileEverySeconds * 1000,
  });
  reconciler.start();

  // Photo checks that need faces run in the background; photos a crash left unchecked are queued again.
  const photoChecks = createPhotoChecker({
    db: db.db,
    artifacts,
    logger: apiLogger,
    scorer: sharedIdentityScorer,
    changed: () => lists.invalidate(),
  });
  await photoChecks.start();

  const auth = new Auth(config, db.db, apiLogger);
  await auth.init();
  const app = createApp({
    auth,
    config,
    logger: apiLogger,
    clientLogger,
    db,
    artifacts,
    temporal,
    eagerStart: workerConnection !== undefined,
    changes,
    lists,
    reconciler,
    photoChecks,
    models: options.models,
    webDir: path.join(config.projectRoot, 'dist', 'web'),
  });
  const server = await listen(app, config.http.host, options.port ?? config.http.port);
  const { port } = server.address() as AddressInfo;
  const shownHost = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  apiLogger.info('api.listening', `Web UI and API on ${url}`, { host: config.http.host, port });

  let stopping: Promise<void> | undefined;
  return {
    url,
    app,
    db,
    temporal,
    worker,
    reconciler,
    workerRun,
    // Stopping twice (a test that restarted the control plane, then stops its stack) stops once.
    stop() {
      stopping ??= stopOnce();
      return stopping;
    },
  };

  async function stopOnce(): Promise<void> {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // Long-lived responses (event streams) would hold the close forever.
      setTimeout(() => server.closeAllConnections(), 5_000).unref();
    });
    await reconciler.stop();
    await photoChecks.stop();
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun.catch(() => undefined);
    // The scorer's worker threads hold its models (about 300 MB each) and would keep the process alive.
    await closeSharedIdentityScorer();
    await temporal.connection.close();
    if (!options.db) await db.close();
  }
}
