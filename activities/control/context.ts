import type { Database } from '../../db/client';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';

/** What every control-plane activity shares: the database, the configuration and the worker's logger. */
export interface ControlContext {
  db: Database;
  config: Config;
  logger: Logger;
  /**
   * Tells open event streams in this process that a job's record changed, so they push at once (the control plane
   * runs the worker beside the API). A worker on its own has none; streams then see the change on their next look.
   */
  changed?: (jobId: string) => void;
}
