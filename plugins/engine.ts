/**
 * What every engine plugin (training, image, video) reports about itself, for /api/health and the UI. `starting`:
 * its server was started (or is being restarted after a crash) and does not answer yet.
 */
export type EngineState = 'ready' | 'simulated' | 'starting' | 'missing' | 'error';

export interface EngineStatus {
  kind: 'training' | 'image' | 'video' | 'captioning';
  id: string;
  label: string;
  state: EngineState;
  /** Plain words: what is ready, or exactly what is missing and how to fix it. */
  message: string;
}

/** What an engine plugin is, known without loading it (each engine's meta.ts). */
export interface EngineMeta {
  readonly kind: EngineStatus['kind'];
  readonly id: string;
  readonly label: string;
  /** How the adapter makes its results; bumped when that changes (see the engine's meta.ts). */
  readonly version: string;
}

export interface EnginePlugin extends EngineMeta {
  /** Checks the engine without starting a job: files, environments, reachability. */
  check(): Promise<EngineStatus>;
}

export function engineIsUsable(status: EngineStatus): boolean {
  return status.state === 'ready' || status.state === 'simulated';
}

/** The engine of a kind to use: the first registered. */
export function firstRegistered<T>(engines: T[], kind: EngineStatus['kind']): T {
  const engine = engines[0];
  if (!engine) throw new Error(`No ${kind} engine is registered`);
  return engine;
}
