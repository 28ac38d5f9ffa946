import type { TrainingSettings } from '../../lib/contracts/training';
import type { Logger } from '../../lib/logger/logger';
import type { EnginePlugin } from '../engine';

/** What a training engine reports while it runs. */
export type TrainingEngineEvent =
  | { type: 'phase'; phase: 'loading' | 'training' | 'sampling' | 'saving' }
  | {
      type: 'progress';
      /** Completed steps. */
      step: number;
      totalSteps: number;
      itPerSec: number | null;
      remainingSeconds: number | null;
      loss: number | null;
      lr: number | null;
    }
  | { type: 'checkpoint'; path: string; step: number; final: boolean }
  /** A checkpoint saved on request (save now, or before a stop) is kept for the life of the run: `path` is its kept copy. */
  | { type: 'kept'; path: string; step: number }
  /** The engine removed an older save of its own (it keeps only the newest few). */
  | { type: 'pruned'; path: string }
  /**
   * What the engine resumes with beside the checkpoint at `step` (its optimizer state), set aside once the save is
   * complete: a start on another host that resumes that checkpoint brings it along.
   */
  | { type: 'resumeState'; path: string; step: number }
  | { type: 'sample'; path: string; step: number; promptIndex: number; prompt: string | null }
  | { type: 'resumed'; step: number; from: string }
  | { type: 'notice'; kind: string; message: string };

/** One start of the engine for a run. Later starts of the same run continue from its newest checkpoint. */
export interface TrainingJob {
  runId: string;
  /** The engine's job name: checkpoint file prefix, the same for every start of a run. */
  name: string;
  settings: TrainingSettings;
  triggerWord: string;
  /** Absolute: the prepared images and caption files. */
  datasetPath: string;
  /** Absolute: the run's folder, shared by all its starts (only the newest one may write there). */
  runDir: string;
  vramProfile: 'standard' | 'low';
  correlationId: string | undefined;
}

/** A run's folder and the engine's job name in it. */
export interface RunFolder {
  /** Absolute: `training/<run>/`. */
  runDir: string;
  name: string;
}

/** What a continuation was prepared with. */
export interface ContinuationSeed {
  /** Absolute: the source's checkpoint, as the new run's own. */
  path: string;
  step: number;
  /** The optimizer's saved state came along (it belongs to the source's newest save only). */
  optimizerState: boolean;
}

/** A checkpoint of a run in the artifact store (`file` relative to the run's folder). */
export interface StoredCheckpoint {
  file: string;
  /** Null for the final file (its step is in its header). */
  step: number | null;
  final: boolean;
  kept: boolean;
}

/** The stored files a start on another host pulls to resume a run (paths relative to the run's folder). */
export interface ResumeFiles {
  /** The newest stored checkpoint's step; null for the final file. */
  step: number | null;
  final: boolean;
  files: string[];
  /** Pulled files the engine reads under another name: copied there once pulled (`from` → `to`). */
  copies: Array<{ from: string; to: string }>;
}

export type TrainingFailureCode = 'oom' | 'ram_oom' | 'no_images' | 'missing_weights' | 'bad_config' | 'disk_full' | 'crash' | 'hung' | 'stopped';

export interface TrainingFailure {
  code: TrainingFailureCode;
  /** Worth starting again (from the last checkpoint) without changing anything. */
  retryable: boolean;
  /** Plain words for a person, with what to do next. */
  message: string;
  /** The engine's last output lines. */
  detail: string[];
}

export type TrainingOutcome =
  | { kind: 'completed'; finalCheckpoint: string; step: number }
  | { kind: 'stopped'; lastCheckpoint: string | null; step: number | null }
  | { kind: 'failed'; failure: TrainingFailure; lastCheckpoint: string | null };

export interface TrainingSession {
  /** Settles when the engine process has exited. */
  readonly done: Promise<TrainingOutcome>;
  /** Asks for a checkpoint at the end of the current step. */
  saveNow(): Promise<void>;
  /** Saves first (when asked), then stops; kills the process tree if it has not exited within `graceMs`. */
  stop(options: { saveFirst: boolean; graceMs: number }): Promise<void>;
}

export interface TrainingLogs {
  stdout: Logger;
  stderr: Logger;
}

/** The GPU a run would train on, and the speed runs like it reached there (null: none finished there yet). */
export interface TrainingSpeed {
  gpuName: string | null;
  measuredSecondsPerStep: number | null;
}

/** How long a run would take, in seconds; null where nothing is known about the GPU. */
export interface TrainingDurationEstimate {
  seconds: number | null;
  basis: 'measured' | 'table' | 'unknown';
  secondsPerStep: number | null;
  /** Sample images and checkpoint saves over the whole run. */
  samplingSeconds: number | null;
  /** Loading the model before the first step. */
  startupSeconds: number | null;
}

/**
 * A training engine (design §5). Workflows and activities reach engines only through the registry and this
 * interface; which engine, and whether it is real or simulated, is configuration.
 */
export interface TrainingEngine extends EnginePlugin {
  readonly kind: 'training';
  start(job: TrainingJob, onEvent: (event: TrainingEngineEvent) => void, logs: TrainingLogs): Promise<TrainingSession>;
  /**
   * The complete checkpoints a run has in `runDir`, lowest step first (the final LoRA file last); `kept`: saved on
   * request (save now, stop), kept for the life of the run whatever the engine prunes.
   */
  checkpoints(runDir: string, name: string): Promise<Array<{ path: string; step: number; final: boolean; kept: boolean }>>;
  /**
   * Prepares a new run (its folder still empty) to continue another run: the engine's first start in `target` resumes
   * `source`'s checkpoint at `step` as if it were its own, and counts its steps on from there. Null when that
   * checkpoint is gone.
   */
  seedContinuation(source: RunFolder & { step: number }, target: RunFolder): Promise<ContinuationSeed | null>;
  /**
   * Of a run's files in the artifact store (paths relative to its folder, '/' separators), what a start on a host
   * without them pulls to resume: the newest checkpoint and what belongs with it. Null when none is stored.
   */
  resumeFiles(stored: string[], name: string): ResumeFiles | null;
  /**
   * Of a run's files in the artifact store (as for `resumeFiles`), its complete checkpoints as `checkpoints` lists them,
   * named by file: the final file's step is in its header only (null here).
   */
  storedCheckpoints(stored: string[], name: string): StoredCheckpoint[];
  /** How long a run of these settings would take on that GPU (published figures by GPU model, or the measured speed). */
  estimateDuration(settings: TrainingSettings, speed: TrainingSpeed): TrainingDurationEstimate;
  /** Which runs' measured speeds apply to these settings: runs with the same key train at the same speed. */
  speedKey(settings: TrainingSettings): string;
}
