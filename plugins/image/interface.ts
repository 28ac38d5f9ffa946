import type { GenerationParams } from '../../lib/contracts/generations';
import type { EnginePlugin } from '../engine';

export interface ImageJob {
  generationId: string;
  params: GenerationParams;
  /** Absolute: where the finished images go (outputs/<generation>/). */
  outputDir: string;
  correlationId: string | undefined;
}

export interface ImageOutput {
  index: number;
  /** Absolute path of the written PNG (parameters embedded). */
  path: string;
  width: number;
  height: number;
  seed: number;
  sizeBytes: number;
  sha256: string;
}

/** Progress of a job: 0..1 over the whole batch; 0 as soon as the engine has accepted the job. */
export type ImageProgress = (fraction: number) => void;

export type ImageFailureCode = 'missing_model' | 'corrupt_model' | 'invalid_graph' | 'oom' | 'engine_error' | 'engine_unavailable' | 'disk_full' | 'cancelled';

/** A generation failed; `retryable` when trying again may succeed (the engine restarted, say). */
export class ImageEngineError extends Error {
  constructor(
    readonly code: ImageFailureCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ImageEngineError';
  }
}

/** An image generation engine (design §5). Workflows and activities reach it only through the registry. */
export interface ImageEngine extends EnginePlugin {
  readonly kind: 'image';
  /** Starts (or connects to) the engine's server; resolves when it answers. Idempotent. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Unloads models from the GPU, before a training run needs it. */
  freeVram(): Promise<void>;
  /** Runs one job to its end; `signal` cancels it (interrupting the engine). */
  generate(job: ImageJob, onProgress: ImageProgress, signal: AbortSignal): Promise<ImageOutput[]>;
}
