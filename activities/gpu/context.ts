import type { ArtifactStore } from '../../lib/artifacts/store';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';
import type { EngineRegistry } from '../../plugins/registry';
import type { TrainingSession } from '../../plugins/training/interface';
import type { GpuCheck } from './gpu-check';
import type { GpuLeases } from './leases';

/** What every GPU activity of one worker process shares. */
export interface GpuContext {
  config: Config;
  logger: Logger;
  /** Where jobs' files come from and go to (the shared data root, or an S3 store with this host's cache). */
  artifacts: ArtifactStore;
  leases: GpuLeases;
  engines: EngineRegistry;
  /** Whether the engines' Pythons can use the GPU (checked once at start). */
  gpu: GpuCheck;
  /** Trainings running in this process, by run id, for commands such as "save now". */
  trainings: Map<string, TrainingSession>;
  workerId: string;
  queue: string;
  identity: string;
}
