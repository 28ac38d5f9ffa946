/**
 * The bookkeeping of scripts/smoke/gpu-acceptance: one global deadline shared out as step budgets, the rows of the
 * result (measure | value | note), the markdown table and the JSON written under bench-results/. No I/O here.
 */

export interface Row {
  measure: string;
  /** What was measured, with its unit ("1.42 s/step"), or why nothing was ("skipped: out of time"). */
  value: string;
  note: string;
  /** The bare number behind `value`, for the JSON; null when nothing was measured. */
  number: number | null;
  unit: string | null;
  status: 'measured' | 'passed' | 'failed' | 'skipped' | 'info';
}

export const measured = (measure: string, number: number, unit: string, note = ''): Row => ({
  measure,
  value: `${formatNumber(number)} ${unit}`,
  note,
  number,
  unit,
  status: 'measured',
});

export const info = (measure: string, value: string, note = ''): Row => ({ measure, value, note, number: null, unit: null, status: 'info' });

export const skipped = (measure: string, why: string, note = ''): Row => ({ measure, value: `skipped: ${why}`, note, number: null, unit: null, status: 'skipped' });

export const failed = (measure: string, why: string, note = ''): Row => ({ measure, value: 'FAILED', note: note ? `${why}; ${note}` : why, number: null, unit: null, status: 'failed' });

export const OUT_OF_TIME = 'out of time';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return String(Math.round(value));
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/**
 * The whole run's time limit. Each step asks for a budget: what it wants, never more than is left (less the
 * reserve kept for stopping the product and printing the table); a step that cannot get its minimum is skipped.
 */
export class Deadline {
  private readonly endsAt: number;

  constructor(
    readonly totalMs: number,
    readonly reserveMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + totalMs;
  }

  /** Milliseconds left for steps (the reserve excluded); never negative. */
  leftMs(): number {
    return Math.max(0, this.endsAt - this.reserveMs - this.now());
  }

  elapsedMs(): number {
    return this.totalMs - (this.endsAt - this.now());
  }

  /** The budget for a step that wants `wantMs` and is worth starting only with `minMs`; undefined when out of time. */
  budget(wantMs: number, minMs = 0): number | undefined {
    const left = this.leftMs();
    if (left <= 0 || left < minMs) return undefined;
    return Math.min(wantMs, left);
  }
}

/** What a step that ran under a budget came to. */
export type StepOutcome<T> = { kind: 'done'; value: T; ms: number } | { kind: 'skipped' } | { kind: 'timeout'; ms: number } | { kind: 'failed'; error: Error; ms: number };

/**
 * Runs `step` within its budget: skipped when the deadline leaves less than `minMs`; aborted (its signal fires)
 * and reported as a timeout when it runs past the budget. The step must honour the signal to stop its own work.
 */
export async function withinBudget<T>(
  deadline: Deadline,
  wantMs: number,
  minMs: number,
  step: (signal: AbortSignal, budgetMs: number) => Promise<T>,
  now: () => number = Date.now,
): Promise<StepOutcome<T>> {
  const budgetMs = deadline.budget(wantMs, minMs);
  if (budgetMs === undefined) return { kind: 'skipped' };
  const controller = new AbortController();
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`over its budget of ${Math.round(budgetMs / 1000)} s`));
      resolve('timeout');
    }, budgetMs);
  });
  try {
    const result = await Promise.race([step(controller.signal, budgetMs).then((value) => ({ value })), timeout]);
    if (result === 'timeout') return { kind: 'timeout', ms: now() - started };
    return { kind: 'done', value: result.value, ms: now() - started };
  } catch (err) {
    if (controller.signal.aborted) return { kind: 'timeout', ms: now() - started };
    return { kind: 'failed', error: err instanceof Error ? err : new Error(String(err)), ms: now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** The rows for measures a step would have made, when it did not run them or did not finish. */
export function rowsNotMeasured(measures: readonly string[], outcome: StepOutcome<unknown>, note = ''): Row[] {
  switch (outcome.kind) {
    case 'skipped':
      return measures.map((m) => skipped(m, OUT_OF_TIME, note));
    case 'timeout':
      return measures.map((m) => skipped(m, OUT_OF_TIME, `stopped after ${formatNumber(outcome.ms / 1000)} s${note ? `; ${note}` : ''}`));
    case 'failed':
      return measures.map((m) => failed(m, outcome.error.message.split('\n')[0]!.slice(0, 300), note));
    case 'done':
      return [];
  }
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The one table the run prints: markdown, measure | value | note. */
export function renderTable(rows: readonly Row[]): string {
  return ['| measure | value | note |', '|---|---|---|', ...rows.map((r) => `| ${cell(r.measure)} | ${cell(r.value)} | ${cell(r.note)} |`)].join('\n');
}

export interface AcceptanceResult {
  kind: 'gpu-acceptance';
  mode: 'gpu' | 'cpu-dry-run';
  startedAt: string;
  durationSeconds: number;
  limitSeconds: number;
  passed: boolean;
  rows: Row[];
  table: string;
}

/** Passed: no row failed (skipped rows are reported, not failures). */
export function acceptanceResult(rows: Row[], info: { mode: AcceptanceResult['mode']; startedAt: Date; durationMs: number; limitMs: number }): AcceptanceResult {
  return {
    kind: 'gpu-acceptance',
    mode: info.mode,
    startedAt: info.startedAt.toISOString(),
    durationSeconds: Math.round(info.durationMs / 100) / 10,
    limitSeconds: Math.round(info.limitMs / 1000),
    passed: rows.every((r) => r.status !== 'failed'),
    rows,
    table: renderTable(rows),
  };
}

/** The largest VRAM sample of a phase, in MiB; samples are [ms since start, MiB used]. */
export function peakOf(samples: ReadonlyArray<readonly [number, number]>, fromMs: number, toMs: number): number | undefined {
  let peak: number | undefined;
  for (const [at, mib] of samples) if (at >= fromMs && at <= toMs && (peak === undefined || mib > peak)) peak = mib;
  return peak;
}

/**
 * Seconds per step from progress observations ([ms, step]): the time between the first observation past step 0
 * and the last, over the steps between them. Undefined with fewer than two distinct steps.
 */
export function secondsPerStep(observations: ReadonlyArray<readonly [number, number]>): number | undefined {
  const moving = observations.filter(([, step]) => step > 0);
  if (moving.length < 2) return undefined;
  const first = moving[0]!;
  const last = moving.at(-1)!;
  if (last[1] <= first[1]) return undefined;
  return (last[0] - first[0]) / 1000 / (last[1] - first[1]);
}
