import type { Database } from '../../db/client';
import type { ArtifactStore } from '../../lib/artifacts/store';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';

/** What every control-plane activity shares: the database, the configuration and the worker's logger. */
export interface ControlContext {
  db: Database;
  config: Config;
  logger: Logger;
  /** Where jobs' files are stored: the control plane pulls what it reads and pushes what it writes. */
  artifacts: ArtifactStore;
  /**
   * Called after every activity (it may have written), with the job it was about if any: the API in the same
   * process drops its cached lists and open event streams of that job push at once. A worker on its own has none;
   * the API then sees the change on its streams' next look and when its cached lists expire.
   */
  changed?: (jobId: string | undefined) => void;
}
