/**
 * The simulated GPU's figures (figures.json, shared with the Python trainer simulator): the real time of each engine
 * operation at scale 1, scaled by ISENGARD_SIM_TIME_SCALE, each overridable in milliseconds by its own variable.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/project-root';

export type TimeName =
  | 'comfyColdStart'
  | 'comfyBaseModelLoad'
  | 'comfyLoraSwitch'
  | 'comfyStep'
  | 'trainerModelLoad'
  | 'trainerStep'
  | 'trainerSampleImage';

interface TimeFigure {
  ms: number;
  variable: string;
  source: string;
}

export interface SimulatedGpuFigures {
  fastTestScale: number;
  times: Record<TimeName, TimeFigure>;
  memory: { totalGiB: number; heldByBaseModelGiB: Record<string, number>; trainerNeedsGiB: number };
}

export const FIGURES_FILE = path.join(PROJECT_ROOT, 'plugins', 'simulated-gpu', 'figures.json');
export const TIME_SCALE_VARIABLE = 'ISENGARD_SIM_TIME_SCALE';
export const GIB = 1024 ** 3;

export function simulatedGpuFigures(): SimulatedGpuFigures {
  return JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as SimulatedGpuFigures;
}

function nonNegative(env: NodeJS.ProcessEnv, name: string, what: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be ${what} >= 0, got '${raw}'`);
  return value;
}

/** The scale in force: ISENGARD_SIM_TIME_SCALE, else the fast-test scale. Throws on a value that is not a number >= 0. */
export function timeScale(env: NodeJS.ProcessEnv = process.env, figures = simulatedGpuFigures()): number {
  return nonNegative(env, TIME_SCALE_VARIABLE, 'a number') ?? figures.fastTestScale;
}

/** Milliseconds charged for each operation: its variable as given, else the real figure × the scale. */
export function simulatedTimes(env: NodeJS.ProcessEnv = process.env, figures = simulatedGpuFigures()): Record<TimeName, number> {
  const scale = timeScale(env, figures);
  const entries = Object.entries(figures.times).map(([name, figure]) => [
    name,
    nonNegative(env, figure.variable, 'a number of milliseconds') ?? figure.ms * scale,
  ]);
  return Object.fromEntries(entries) as Record<TimeName, number>;
}
