import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger/logger';
import type { Service } from './logger/schema';

/**
 * Set by the all-in-one supervisor for its children: it already rotated the log folders, and restarts
 * children that exit, so a child must not rotate its logs away on a restart.
 */
export const SUPERVISED_ENV = 'ISENGARD_SUPERVISED';

export function isSupervised(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SUPERVISED_ENV] === '1';
}

export function createServiceLogger(config: Config, service: Service): Logger {
  return createLogger({
    service,
    level: config.log.level,
    dir: config.log.dir,
    stdout: true,
    rotate: !isSupervised(),
    secrets: config.secrets,
    maxFileBytes: config.log.maxFileBytes,
  });
}

/** Reads the configuration, or explains what is wrong and exits with status 2. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nFix the variables above (see README.md, "Configuration") and start again.\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * The life of an entry point: run `main`, which returns its shutdown function; the first SIGINT/SIGTERM calls it,
 * a second one forces the exit. Crashes are logged as one line before the process exits non-zero.
 */
export function runProcess(logger: Logger, main: () => Promise<() => Promise<void>>): void {
  let stopping = false;
  let shutdown: (() => Promise<void>) | undefined;

  const fail = (event: string, err: unknown) => {
    logger.error(event, `Fatal: ${err instanceof Error ? err.message : String(err)}`, { error: err });
    logger.flush();
    process.exit(1);
  };
  process.on('uncaughtException', (err) => fail('process.crash', err));
  process.on('unhandledRejection', (err) => fail('process.crash', err));

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('process.force_exit', `Second ${signal}: exiting without waiting`, { signal });
      logger.flush();
      process.exit(130);
    }
    stopping = true;
    logger.info('process.stopping', `${signal} received: stopping gracefully`, { signal });
    const done = shutdown ? shutdown() : Promise.resolve();
    done
      .then(() => {
        logger.info('process.stopped', 'Stopped cleanly');
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => fail('process.stop_failed', err));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (isSupervised()) {
    // A supervisor killed with -9 cannot stop its children: a child that finds itself orphaned stops by itself,
    // so it does not hold the ports and the embedded database that the next start needs.
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && !stopping && onSignal('SIGTERM'), 2_000).unref();
  }

  main()
    .then((fn) => {
      shutdown = fn;
    })
    .catch((err: unknown) => fail('process.start_failed', err));
}
