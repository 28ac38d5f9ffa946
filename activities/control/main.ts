import { openDatabase } from '../../db/client';
import { configOrExit, createServiceLogger, runProcess } from '../../lib/process';
import { createArtifactStore } from '../../lib/artifacts';
import { ensureStorage } from '../../lib/storage';
import { connectWorkerConnection } from '../../lib/temporal/connection';
import { installSdkLogger } from '../../lib/temporal/sdk-logger';
import { createControlWorker } from './worker';
import { safeErrorMessage } from '../../lib/logger/errors';

/**
 * `npm run worker:control`: a control worker on its own, for scaling the control queue out. It needs the database,
 * so beside the control plane it needs a PostgreSQL server (DATABASE_URL): the embedded one is single-process.
 */
const config = configOrExit();
const logger = createServiceLogger(config, 'worker');

runProcess(logger, async () => {
  installSdkLogger(logger);
  ensureStorage(config.storage);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.storage.pg });
  await db.migrate();
  const connection = await connectWorkerConnection(config, logger);
  const worker = await createControlWorker(connection, { db: db.db, config, logger, artifacts: createArtifactStore(config, logger) });
  const running = worker.run();
  running.catch((err: unknown) => {
    logger.error('worker.failed', `Control worker stopped: ${safeErrorMessage(err)}`, { error: err });
    process.exit(1);
  });
  logger.info('worker.ready', 'Control worker polls isengard-control', { queue: 'isengard-control' });
  return async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await db.close();
  };
});
