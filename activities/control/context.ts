import type { Database } from '../../db/client';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';

/** What every control-plane activity shares: the database, the configuration and the worker's logger. */
export interface ControlContext {
  db: Database;
  config: Config;
  logger: Logger;
}
