import { activityInfo, ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { GpuProbe, GpuReport } from '../../lib/contracts/gpu-workers';
import type { Logger } from '../../lib/logger/logger';
import { probeGpu, PROBE_TIMEOUT_MS, type EngineGpuPython } from '../../plugins/gpu-probe';

/** The failure type of a job refused because its engine cannot use this worker's GPU. */
export const GPU_UNUSABLE = 'gpu_unusable';

/** What fast-test reports: no GPU is used, so a plausible one, named for what it is. */
export function simulatedGpu(cpuAllowed: boolean, checkedAt = new Date()): GpuReport {
  return {
    state: 'simulated',
    device: 'Simulated GPU (fast-test: the engines are simulators)',
    totalMb: 24_564,
    freeMb: 23_980,
    probes: [],
    reason: null,
    cpuAllowed,
    checkedAt: checkedAt.toISOString(),
  };
}

/** "ai-toolkit", "ai-toolkit and ComfyUI". */
const labels = (probes: GpuProbe[]) => probes.map((p) => p.label).join(probes.length > 2 ? ', ' : ' and ');

/**
 * The worker's GPU from its engines' probes: unusable when one engine cannot use it (an engine not installed yet
 * does not count: its own check says so), with the reasons, the same reason said once for the engines that share it.
 */
export function summarizeGpu(probes: GpuProbe[], cpuAllowed: boolean, checkedAt = new Date()): GpuReport {
  const unusable = probes.filter((p) => p.state === 'unusable');
  const usable = probes.filter((p) => p.state === 'usable');
  const seen = [...usable, ...unusable].find((p) => p.device !== null);
  const byReason = new Map<string, GpuProbe[]>();
  for (const probe of unusable) byReason.set(probe.reason ?? '', [...(byReason.get(probe.reason ?? '') ?? []), probe]);
  const reason =
    unusable.length > 0
      ? `cannot use its GPU ${[...byReason].map(([text, those]) => `for ${labels(those)}: ${text}`).join(' Also ')}`
      : usable.length === 0
        ? "No engine's Python is installed yet, so the GPU was not checked."
        : null;
  return {
    state: unusable.length > 0 ? 'unusable' : usable.length > 0 ? 'usable' : 'unchecked',
    device: seen?.device ?? null,
    totalMb: seen?.totalMb ?? null,
    freeMb: seen?.freeMb ?? null,
    probes,
    reason,
    cpuAllowed,
    checkedAt: checkedAt.toISOString(),
  };
}

/** What a job refused on this worker says: which worker, which engine, why, and what to do. */
export function gpuUnusableMessage(workerId: string, probe: GpuProbe): string {
  return `The GPU worker ${workerId} cannot use its GPU for ${probe.label}: ${probe.reason ?? 'unknown reason'}`;
}

export interface GpuCheckOptions {
  workerId: string;
  pythons: EngineGpuPython[];
  /** ALLOW_CPU_ENGINES: report, but let jobs run. */
  cpuAllowed: boolean;
  logger: Logger;
  timeoutMs?: number;
}

/**
 * The GPU check of one worker: at start, each engine's own Python says whether it can use the GPU (simulated
 * engines need none). The status report carries the result; a job whose engine cannot use the GPU fails at once,
 * non-retryable, with the reason (no retry can install a driver or a CUDA build of torch).
 */
export class GpuCheck {
  private current: GpuReport;
  private done: Promise<GpuReport> | undefined;

  constructor(private readonly options: GpuCheckOptions) {
    this.current = { ...summarizeGpu([], options.cpuAllowed), state: 'checking', reason: null, checkedAt: null };
  }

  /** Starts the probes (all at once; each has its own time limit). Idempotent. */
  start(): Promise<GpuReport> {
    this.done ??= this.check().then((report) => {
      this.current = report;
      this.log(report);
      return report;
    });
    return this.done;
  }

  /** The latest result: `checking` until the probes have answered. */
  report(): GpuReport {
    return this.current;
  }

  /**
   * Throws the job's non-retryable failure when the engine of `kind` cannot use the GPU; waits for the check if it
   * is still running, heartbeating meanwhile (with the details the activity had, which a retry resumes from).
   */
  async assertUsableFor(kind: EngineGpuPython['kind']): Promise<void> {
    const beat = setInterval(() => {
      try {
        heartbeat(activityInfo().heartbeatDetails);
      } catch {
        // Not in an activity (a test): nothing to keep alive.
      }
    }, 1_000);
    let report: GpuReport;
    try {
      report = await this.start();
    } finally {
      clearInterval(beat);
    }
    if (report.cpuAllowed) return;
    const engines = new Set(this.options.pythons.filter((p) => p.kind === kind).map((p) => p.engine));
    const refusing = report.probes.find((p) => engines.has(p.engine) && p.state === 'unusable');
    if (refusing) {
      throw ApplicationFailure.create({ message: gpuUnusableMessage(this.options.workerId, refusing), type: GPU_UNUSABLE, nonRetryable: true });
    }
  }

  private async check(): Promise<GpuReport> {
    const { pythons, cpuAllowed, timeoutMs = PROBE_TIMEOUT_MS } = this.options;
    const real = pythons.filter((p): p is EngineGpuPython & { python: string } => p.python !== undefined);
    if (real.length === 0 && pythons.length > 0) return simulatedGpu(cpuAllowed);
    return summarizeGpu(await Promise.all(real.map((p) => probeGpu(p, timeoutMs))), cpuAllowed);
  }

  private log(report: GpuReport): void {
    const { logger, workerId } = this.options;
    const fields = { workerId, gpu: report };
    if (report.state === 'unusable') {
      const then = report.cpuAllowed ? 'its engines run on the CPU (ALLOW_CPU_ENGINES)' : 'its jobs fail until this is fixed';
      logger.error('gpu.unusable', `GPU worker ${workerId} ${report.reason} (${then})`, fields);
    } else if (report.state === 'usable') {
      logger.info('gpu.checked', `GPU ${report.device} usable: ${report.freeMb} of ${report.totalMb} MB free`, fields);
    } else {
      logger.info('gpu.checked', report.state === 'simulated' ? 'GPU simulated (fast-test)' : (report.reason ?? 'GPU not checked'), fields);
    }
  }
}
