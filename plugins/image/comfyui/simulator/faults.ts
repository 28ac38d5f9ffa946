/**
 * Fault injection from ISENGARD_SIM_COMFY_FAULT (comma-separated):
 *   crash@N   the process dies abruptly (exit 1, nothing logged) at sampling step N of a prompt
 *   error@N   the sampler raises a CUDA out-of-memory error at step N (execution_error, history "error")
 *   dropws@N  every WebSocket is cut at step N; the prompt carries on
 *   slow      sampling steps take 10x longer (for the whole life of the process that first applies it)
 * Each fault fires once per output directory: firing is recorded in a marker file there first, so a restarted
 * simulator (same output directory) carries on normally.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const MARKER_FILE = '.isengard-comfyui-sim-faults.json';

export type FaultKind = 'crash' | 'error' | 'dropws' | 'slow';

export interface Fault {
  kind: FaultKind;
  step: number | null;
  spec: string;
}

export function parseFaults(text: string | undefined): Fault[] {
  const out: Fault[] = [];
  for (const raw of (text ?? '').split(',')) {
    const spec = raw.trim();
    if (!spec) continue;
    const m = /^(crash|error|dropws)@(\d+)$/.exec(spec);
    if (m) out.push({ kind: m[1] as FaultKind, step: Number(m[2]), spec });
    else if (spec === 'slow') out.push({ kind: 'slow', step: null, spec });
    else throw new Error(`ISENGARD_SIM_COMFY_FAULT: unknown fault '${spec}' (crash@N, error@N, dropws@N, slow)`);
  }
  return out;
}

export class Faults {
  private readonly markerPath: string;
  private slowActive = false;

  constructor(
    private readonly faults: Fault[],
    outputDir: string,
  ) {
    this.markerPath = path.join(outputDir, MARKER_FILE);
  }

  private fired(): string[] {
    try {
      const data = JSON.parse(readFileSync(this.markerPath, 'utf8')) as { fired?: unknown };
      return Array.isArray(data.fired) ? data.fired.map(String) : [];
    } catch {
      return [];
    }
  }

  /** Records the fault as fired (synchronously, before it takes effect). */
  private record(spec: string) {
    const fired = this.fired();
    fired.push(spec);
    mkdirSync(path.dirname(this.markerPath), { recursive: true });
    writeFileSync(this.markerPath, `${JSON.stringify({ fired, note: 'ComfyUI simulator: faults already fired for this output directory' })}\n`);
  }

  /** The step fault to fire now, if any (at most one per step; crash before error before dropws). */
  atStep(step: number): Fault | null {
    const fired = new Set(this.fired());
    for (const kind of ['crash', 'error', 'dropws'] as const) {
      const f = this.faults.find((x) => x.kind === kind && x.step === step && !fired.has(x.spec));
      if (f) {
        this.record(f.spec);
        return f;
      }
    }
    return null;
  }

  /** Step-time multiplier: 10 while `slow` is in effect for this process. */
  slowFactor(): number {
    if (this.slowActive) return 10;
    const slow = this.faults.find((f) => f.kind === 'slow');
    if (!slow || this.fired().includes(slow.spec)) return 1;
    this.record(slow.spec);
    this.slowActive = true;
    return 10;
  }
}
