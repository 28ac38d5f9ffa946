import type { CaptionStyle } from '../../lib/contracts/captions';
import type { Logger } from '../../lib/logger/logger';
import type { EnginePlugin } from '../engine';

/** One photo to describe. */
export interface CaptionImage {
  /** The photo's id: the caption comes back under it. */
  id: string;
  /** Absolute path of the image file. */
  path: string;
  /** The main face in the image's pixels, when the identity scorer found one: tells a close-up from a wide shot. */
  faceBox: { x: number; y: number; width: number; height: number } | null;
}

export interface CaptionJob {
  jobId: string;
  images: CaptionImage[];
  style: CaptionStyle;
  /** Absolute: a scratch folder the engine may use for this job (removed afterwards by the caller). */
  workDir: string;
  correlationId: string | undefined;
}

/**
 * One caption. `[trigger]` stands for the person (lib/contracts/photos.ts TRIGGER_TAG); the rest describes what is
 * not the person: the place, the clothes, the light, the framing.
 */
export interface CaptionResult {
  id: string;
  caption: string;
}

/** A captioning job failed; `retryable` when trying again may succeed (the engine crashed, say). */
export class CaptionEngineError extends Error {
  constructor(
    readonly code: 'missing_model' | 'engine_missing' | 'oom' | 'engine_error' | 'no_caption',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'CaptionEngineError';
  }
}

/**
 * A captioning engine (design §5): describes photos for training. Workflows and activities reach it only through
 * the registry; whether it is the real one or the simulator is configuration (the mode).
 */
export interface CaptioningEngine extends EnginePlugin {
  readonly kind: 'captioning';
  /**
   * Captions every image of the job, calling `onCaption` as each one is ready (in any order), and answers them all.
   * `signal` stops the engine at once.
   */
  caption(job: CaptionJob, onCaption: (result: CaptionResult) => void, signal: AbortSignal, logger: Logger): Promise<CaptionResult[]>;
}
