import { execFile } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import type { GpuProbe } from '../lib/contracts/gpu-workers';
import { PROJECT_ROOT } from '../lib/project-root';

/** An engine's Python, as its plugin names it (the engine's gpu-python.ts), for the GPU check at worker start. */
export interface EngineGpuPython {
  engine: string;
  label: string;
  kind: 'training' | 'image' | 'video';
  /** Undefined when the engine is simulated (fast-test): it uses no GPU. */
  python: string | undefined;
  /** What to do when this Python cannot use the GPU: how to rebuild the engine's environment. */
  fixEnvironment: string;
}

/** Importing torch from a cold disk takes seconds; a probe still silent after this is stuck (a hung driver). */
export const PROBE_TIMEOUT_MS = 60_000;

const PROBE_SCRIPT = path.join(PROJECT_ROOT, 'plugins', 'gpu_probe.py');

/** What gpu_probe.py prints. */
const probeOutputSchema = z.object({
  python: z.string().nullable().optional(),
  torch: z.string().nullable(),
  torch_error: z.string().nullable().optional(),
  cuda_build: z.string().nullable().optional(),
  cuda_available: z.boolean(),
  cuda_error: z.string().nullable().optional(),
  device: z.string().nullable().optional(),
  total_bytes: z.number().nullable().optional(),
  free_bytes: z.number().nullable().optional(),
});
export type ProbeOutput = z.infer<typeof probeOutputSchema>;

/** How running the probe went, before its output is read. */
export type ProbeRun =
  | { kind: 'answered'; stdout: string; stderr: string }
  | { kind: 'missing' }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'failed'; message: string };

const DRIVER_FIX =
  'Check that this machine has an NVIDIA GPU and its driver (nvidia-smi lists it), that the container was started with GPU ' +
  'access, and that CUDA_VISIBLE_DEVICES names a GPU; then restart the GPU worker.';

const lastLine = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '';

/** torch's words without its source location, ready to be followed by ". " */
const tidy = (text: string) =>
  text
    .replace(/\s*\(Triggered internally at [^)]*\)/g, '')
    .trim()
    .replace(/[.\s]+$/, '');

const toMb = (bytes: number | null | undefined) => (typeof bytes === 'number' && bytes >= 0 ? Math.floor(bytes / (1024 * 1024)) : null);

/** Runs plugins/gpu_probe.py with `python`; never throws, never hangs past `timeoutMs`. */
export function runProbeScript(python: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeRun> {
  return new Promise((resolve) => {
    execFile(
      python,
      [PROBE_SCRIPT],
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        // The same device numbering the engines get (their env sets it too).
        env: { ...process.env, CUDA_DEVICE_ORDER: 'PCI_BUS_ID', PYTHONDONTWRITEBYTECODE: '1' },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ kind: 'answered', stdout, stderr });
        const failure = err as NodeJS.ErrnoException & { killed?: boolean };
        if (failure.code === 'ENOENT') return resolve({ kind: 'missing' });
        if (failure.killed) return resolve({ kind: 'timeout', timeoutMs });
        const said = lastLine(stderr) || lastLine(stdout) || failure.message;
        resolve({ kind: 'failed', message: said.slice(0, 500) });
      },
    );
  });
}

/** The probe's JSON line (the last line that is one), or undefined when it printed none. */
export function parseProbeOutput(stdout: string): ProbeOutput | undefined {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (!line) return undefined;
  try {
    const parsed = probeOutputSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why torch in this Python cannot use the GPU, in plain words with what to do; undefined when it can. The order
 * follows the way down: torch present, built for CUDA, a driver and a device found, the device runs code.
 */
export function unusableReason(out: ProbeOutput, engine: EngineGpuPython): string | undefined {
  const fix = engine.fixEnvironment;
  if (out.torch === null) {
    return out.torch_error
      ? `torch cannot be imported in its Python (${engine.python}): ${tidy(out.torch_error)}. ${fix}`
      : `torch is not installed in its Python (${engine.python}). ${fix}`;
  }
  if (out.cuda_available) return undefined;
  if (!out.cuda_build) return `torch ${out.torch} was built without CUDA, so it can only use the CPU. ${fix}`;
  if (out.device) {
    return `the ${out.device} does not run torch ${out.torch}'s CUDA code (${tidy(out.cuda_error ?? 'unknown error')}): the GPU may be in exclusive use by another process, or too new for this torch build. ${fix}`;
  }
  const why = out.cuda_error ? tidy(out.cuda_error) : 'no NVIDIA driver is loaded, or no GPU is visible to this process';
  return `torch ${out.torch} (built for CUDA ${out.cuda_build}) finds no usable NVIDIA GPU: ${why}. ${DRIVER_FIX}`;
}

/** What one engine's Python found, from how its probe ran. */
export function probeResult(engine: EngineGpuPython, run: ProbeRun): GpuProbe {
  const base: GpuProbe = {
    engine: engine.engine,
    label: engine.label,
    state: 'unusable',
    python: null,
    torch: null,
    cuda: null,
    device: null,
    totalMb: null,
    freeMb: null,
    reason: null,
  };
  switch (run.kind) {
    case 'missing':
      return { ...base, state: 'missing', reason: `Its Python (${engine.python}) does not exist yet, so the GPU was not checked.` };
    case 'timeout':
      return {
        ...base,
        reason: `its Python (${engine.python}) did not finish the GPU check within ${Math.round(run.timeoutMs / 1000)} s. A hung NVIDIA driver stops everything that touches the GPU: check it with nvidia-smi, then restart the GPU worker.`,
      };
    case 'failed':
      return { ...base, reason: `its Python (${engine.python}) failed the GPU check: ${tidy(run.message)}. ${engine.fixEnvironment}` };
    case 'answered': {
      const out = parseProbeOutput(run.stdout);
      if (!out) {
        const said = lastLine(run.stderr) || lastLine(run.stdout) || 'nothing';
        return { ...base, reason: `its Python (${engine.python}) answered the GPU check with no result (it said: ${said.slice(0, 300)}). ${engine.fixEnvironment}` };
      }
      const reason = unusableReason(out, engine);
      return {
        ...base,
        state: reason ? 'unusable' : 'usable',
        python: out.python ?? null,
        torch: out.torch,
        cuda: out.cuda_build ?? null,
        device: out.device ?? null,
        totalMb: toMb(out.total_bytes),
        freeMb: toMb(out.free_bytes),
        reason: reason ?? null,
      };
    }
  }
}

/** Checks the GPU with an engine's own Python (plugins/gpu_probe.py): torch, CUDA, the device and its memory. */
export async function probeGpu(engine: EngineGpuPython & { python: string }, timeoutMs = PROBE_TIMEOUT_MS): Promise<GpuProbe> {
  return probeResult(engine, await runProbeScript(engine.python, timeoutMs));
}
