import type { BenchInstance } from './instance';

export const SECTIONS = ['startup', 'generation', 'lifecycle', 'training', 'photos', 'likeness', 'api', 'scale'] as const;
export type SectionName = (typeof SECTIONS)[number];

/** Sizes and engine speeds, all settable by flags (see run.ts --help). */
export interface BenchOptions {
  only: SectionName[];
  /** Smaller counts for a fast check (the figures are noisier). */
  quick: boolean;
  /** Generation: measured jobs, unmeasured warm-up jobs, sampling steps per job, image side. */
  generationJobs: number;
  generationWarmup: number;
  generationSteps: number;
  generationSize: number;
  /** ISENGARD_SIM_COMFY_STEP_MS of the simulated ComfyUI. */
  comfyStepMs: number;
  /** Lifecycle: generations cancelled at different moments, trainings stopped mid-run. */
  lifecycleCancels: number;
  lifecycleStops: number;
  /** Training: steps of the measured run, ISENGARD_SIM_STEP_MS, seconds of the idle CPU baseline. */
  trainingSteps: number;
  trainStepMs: number;
  idleSeconds: number;
  /** Photo intake: 12 MP JPEGs with EXIF orientation 6, HEIC copies, megapixels of the JPEGs. */
  photosJpeg: number;
  photosHeic: number;
  photoMegapixels: number;
  /** API: connections and seconds per endpoint. */
  apiConnections: number;
  apiSeconds: number;
  /** Scale: queued generations and their sampling steps. */
  scaleJobs: number;
  scaleSteps: number;
  /** Where the JSON goes. */
  outDir: string;
}

/** One line of the table: a figure, its anchor measured in the same run, its target. */
export interface Row {
  section: SectionName;
  figure: string;
  value: number | null;
  unit: string;
  /** The same work without Isengard (or the reference it is compared with), measured in this run. */
  anchor?: { label: string; value: number | null; unit?: string };
  target?: { op: '<=' | '>='; value: number };
  note?: string;
}

export interface SectionResult {
  rows: Row[];
  /** Everything measured, for the JSON. */
  details: Record<string, unknown>;
}

export interface BenchContext {
  options: BenchOptions;
  /** The all-in-one the sections share, started on first use. */
  instance(): Promise<BenchInstance>;
  /** Replaces the shared instance (the start-up section starts its own and hands it on). */
  adopt(instance: BenchInstance): void;
  say(line: string): void;
}

export type Section = (ctx: BenchContext) => Promise<SectionResult>;
