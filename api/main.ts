import { createLogger } from '../lib/logger/logger';
import { configOrExit, createServiceLogger, isSupervised, runProcess } from '../lib/process';
import { installSdkLogger } from '../lib/temporal/sdk-logger';
import { startControlPlane } from './control-plane';
import { safeErrorMessage } from '../lib/logger/errors';

/** The control plane process: API + `isengard-control` worker (`npm run api`; `npm start` runs it for you). */
const config = configOrExit();
const apiLogger = createServiceLogger(config, 'api');
const workerLogger = createServiceLogger(config, 'worker');
const clientLogger = createLogger({
  service: 'web',
  file: 'client',
  level: 'DEBUG',
  dir: config.log.dir,
  rotate: !isSupervised(),
  secrets: config.secrets,
  maxFileBytes: config.log.maxFileBytes,
});

runProcess(apiLogger, async () => {
  installSdkLogger(workerLogger);
  const plane = await startControlPlane({ config, apiLogger, workerLogger, clientLogger });
  plane.workerRun.catch((err: unknown) => {
    workerLogger.error('worker.failed', `Control worker stopped: ${safeErrorMessage(err)}`, { error: err });
    process.exit(1);
  });
  return () => plane.stop();
});
