import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';
import type { GpuLeases } from './leases';

/** What every GPU activity of one worker process shares. */
export interface GpuContext {
  config: Config;
  logger: Logger;
  leases: GpuLeases;
  workerId: string;
  queue: string;
  identity: string;
}
