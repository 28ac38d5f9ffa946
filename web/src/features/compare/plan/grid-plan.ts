import { generationInput, MAX_SEED, type GenerationInput } from '../../../../../lib/contracts/generations';
import type { Checkpoint } from '../../../../../lib/contracts/training';

export type GridMode = 'checkpoints' | 'strengths';

export const MAX_PROMPTS = 4;
export const MAX_CHECKPOINT_COLUMNS = 8;
export const MAX_STRENGTHS = 6;
export const MAX_SEEDS = 4;
export const DEFAULT_STRENGTHS = '0.6, 0.8, 1.0, 1.2';
export const DEFAULT_SEED_COUNT = '3';

/** What the person chose, as typed (text fields stay text until the plan reads them). */
export interface GridChoices {
  mode: GridMode;
  characterId: string;
  runId: string;
  /** Mode "checkpoints × prompts": the checkpoints chosen as columns, by `checkpointKey`. */
  columns: string[];
  /** Up to four prompts (rows); blank ones are left out. Mode "strengths × seeds" uses the first. */
  prompts: string[];
  seed: string;
  /** Mode "checkpoints × prompts": one strength for every column. */
  strength: string;
  /** Mode "strengths × seeds": the one checkpoint, by `checkpointKey`. */
  checkpoint: string;
  strengths: string;
  seedCount: string;
}

export type ChoiceField = 'run' | 'columns' | 'prompts' | 'seed' | 'strength' | 'checkpoint' | 'strengths' | 'seedCount';
export type ChoiceErrors = Partial<Record<ChoiceField, string>>;

export interface GridColumn {
  key: string;
  label: string;
  /** The checkpoint of this column (mode "checkpoints × prompts"). */
  checkpoint?: Checkpoint;
}
export interface GridRow {
  key: string;
  label: string;
}
/** Where a picture of a request lands: row, column, and which picture of the generation's batch it is. */
export interface GridCellRef {
  row: string;
  column: string;
  outputIndex: number;
}
/** One generation of the grid: the request body, and the cells its pictures fill. */
export interface GridRequest {
  key: string;
  input: GenerationInput;
  cells: GridCellRef[];
}
export interface GridPlan {
  mode: GridMode;
  runId: string;
  columns: GridColumn[];
  rows: GridRow[];
  requests: GridRequest[];
  /** Mode "strengths × seeds": the checkpoint compared. */
  checkpoint?: Checkpoint;
}

/** A checkpoint's name in the API's addresses and in the choices: its step, or "final". */
export const checkpointKey = (c: Pick<Checkpoint, 'step' | 'final'>) => (c.final ? 'final' : String(c.step));
export const checkpointLabel = (c: Pick<Checkpoint, 'step' | 'final'>) => (c.final ? `Final (step ${c.step})` : `Step ${c.step}`);

/** A checkpoint already kept as a version is generated with as that LoRA (it outlives pruning); others as they are. */
function loraOf(runId: string, c: Checkpoint): Pick<GenerationInput, 'loraId' | 'checkpoint'> {
  return c.loraId ? { loraId: c.loraId } : { checkpoint: { runId, step: c.final ? 'final' : c.step } };
}

const formatStrength = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));

function readSeed(text: string): number | string {
  const seed = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) return `Seed must be a whole number from 0 to ${MAX_SEED}`;
  return seed;
}

function readStrength(text: string): number | string {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 2) return 'A strength is a number from 0 to 2';
  return value;
}

/**
 * The grid the choices make, or what is wrong with them (nothing is sent then). Mode "checkpoints × prompts": one
 * generation per cell, each checkpoint a column, each prompt a row, one seed. Mode "strengths × seeds": one
 * generation per strength (a row) whose batch makes one picture per seed (seed, seed + 1, …: each picture's own).
 */
export function planGrid(choices: GridChoices, checkpoints: Checkpoint[]): { plan: GridPlan } | { errors: ChoiceErrors } {
  const errors: ChoiceErrors = {};
  if (!choices.runId) errors.run = 'Choose a training run';
  const prompts = choices.prompts.map((p) => p.trim()).filter(Boolean);
  const seed = readSeed(choices.seed);
  if (typeof seed === 'string') errors.seed = seed;
  const base = { characterId: choices.characterId || undefined };

  if (choices.mode === 'checkpoints') {
    const chosen = checkpoints.filter((c) => choices.columns.includes(checkpointKey(c)));
    if (chosen.length === 0) errors.columns = 'Choose at least one checkpoint';
    else if (chosen.length > MAX_CHECKPOINT_COLUMNS) errors.columns = `Choose at most ${MAX_CHECKPOINT_COLUMNS} checkpoints`;
    if (prompts.length === 0) errors.prompts = 'Write at least one prompt';
    else if (prompts.length > MAX_PROMPTS) errors.prompts = `At most ${MAX_PROMPTS} prompts`;
    const strength = readStrength(choices.strength);
    if (typeof strength === 'string') errors.strength = strength;
    if (Object.keys(errors).length > 0 || typeof seed === 'string' || typeof strength === 'string') return { errors };
    const columns = chosen.map((c) => ({ key: checkpointKey(c), label: checkpointLabel(c), checkpoint: c }));
    const rows = prompts.map((prompt, i) => ({ key: `prompt-${i}`, label: prompt }));
    const requests = rows.flatMap((row, i) =>
      columns.map((column) => ({
        key: `${row.key}:${column.key}`,
        input: { ...base, prompt: prompts[i]!, ...loraOf(choices.runId, column.checkpoint), loraStrength: strength, seed },
        cells: [{ row: row.key, column: column.key, outputIndex: 0 }],
      })),
    );
    return checked({ mode: 'checkpoints', runId: choices.runId, columns, rows, requests });
  }

  const checkpoint = checkpoints.find((c) => checkpointKey(c) === choices.checkpoint);
  if (!checkpoint) errors.checkpoint = 'Choose a checkpoint';
  if (prompts.length === 0) errors.prompts = 'Write a prompt';
  const strengths = choices.strengths
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(readStrength);
  if (strengths.length === 0) errors.strengths = 'Give at least one strength, e.g. 0.8, 1.0';
  else if (strengths.some((s) => typeof s === 'string')) errors.strengths = 'Each strength is a number from 0 to 2, separated by commas';
  else if (strengths.length > MAX_STRENGTHS) errors.strengths = `At most ${MAX_STRENGTHS} strengths`;
  else if (new Set(strengths).size !== strengths.length) errors.strengths = 'Each strength once';
  const seedCount = Number(choices.seedCount);
  if (!Number.isInteger(seedCount) || seedCount < 1 || seedCount > MAX_SEEDS) errors.seedCount = `From 1 to ${MAX_SEEDS} seeds`;
  if (Object.keys(errors).length > 0 || typeof seed === 'string' || !checkpoint) return { errors };
  const values = strengths as number[];
  const columns = Array.from({ length: seedCount }, (_, j) => ({ key: `seed-${j}`, label: `Seed ${seed + j}` }));
  const rows = values.map((s) => ({ key: `strength-${s}`, label: `Strength ${formatStrength(s)}` }));
  const requests = rows.map((row, i) => ({
    key: row.key,
    input: { ...base, prompt: prompts[0]!, ...loraOf(choices.runId, checkpoint), loraStrength: values[i]!, seed, batch: seedCount },
    cells: columns.map((column, j) => ({ row: row.key, column: column.key, outputIndex: j })),
  }));
  return checked({ mode: 'strengths', runId: choices.runId, columns, rows, requests, checkpoint });
}

/** Every request passes the shared contract before anything is sent (a seed near the top with a batch, say). */
function checked(plan: GridPlan): { plan: GridPlan } | { errors: ChoiceErrors } {
  for (const request of plan.requests) {
    const parsed = generationInput.safeParse(request.input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field: ChoiceField = issue.path[0] === 'seed' ? 'seed' : issue.path[0] === 'prompt' ? 'prompts' : plan.mode === 'checkpoints' ? 'strength' : 'strengths';
      return { errors: { [field]: issue.message } };
    }
  }
  return { plan };
}
