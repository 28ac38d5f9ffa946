import { connectWorkerConnection } from '../../lib/temporal/connection';
import { installSdkLogger } from '../../lib/temporal/sdk-logger';
import { configOrExit, createServiceLogger, runProcess } from '../../lib/process';
import { ensureStorage } from '../../lib/storage';
import { createGpuWorker } from './worker';
import { safeErrorMessage } from '../../lib/logger/errors';

/** `npm run worker:gpu`: one GPU worker process (one per GPU). Needs Temporal and the shared storage, no database. */
const config = configOrExit();
const logger = createServiceLogger(config, 'worker');

runProcess(logger, async () => {
  installSdkLogger(logger);
  ensureStorage(config.storage);
  const connection = await connectWorkerConnection(config, logger);
  const worker = await createGpuWorker(connection, { config, logger });
  const running = worker.run();
  running.catch((err: unknown) => {
    logger.error('worker.failed', `GPU worker stopped: ${safeErrorMessage(err)}`, { error: err });
    process.exit(1);
  });
  return async () => {
    worker.shutdown();
    await running;
    await connection.close();
  };
});
