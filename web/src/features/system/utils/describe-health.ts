import type { GpuReport } from '../../../../../lib/contracts/gpu-workers';
import { sizeText, type DiskVolume, type GpuWorkerHealth, type Health } from '../../../../../lib/contracts/health';

export type CheckName = keyof Health['checks'];

/** What each check is called for someone who has never heard of Temporal. */
export const CHECK_LABELS: Record<CheckName, string> = {
  temporal: 'Job engine (Temporal)',
  database: 'Database',
  workers: 'Workers',
  engines: 'Training and image engines',
  models: 'Base models',
  disk: 'Disk space',
  gpu: 'GPUs',
};

/** What everything else stands on first (a full disk breaks saving as surely as a database away), then the jobs. */
const CHECK_ORDER: CheckName[] = ['database', 'disk', 'temporal', 'workers', 'gpu', 'engines', 'models'];

export interface CheckLine {
  name: CheckName;
  label: string;
  ok: boolean;
  message: string;
}

export function checkLines(health: Health): CheckLine[] {
  return CHECK_ORDER.map((name) => ({ name, label: CHECK_LABELS[name], ...health.checks[name] }));
}

export function failingChecks(health: Health): CheckLine[] {
  return checkLines(health).filter((line) => !line.ok);
}

/** One plain sentence for the top of the banner; null when all is well. */
export function healthHeadline(health: Health): string | null {
  switch (health.status) {
    case 'ok':
      return null;
    case 'degraded':
      return 'Isengard is running, but part of it needs attention: training and image jobs may wait or fail until this is fixed.';
    case 'down':
      return 'Isengard is not working right now: nothing can be saved or started until this is fixed.';
  }
}

export const STATUS_LABELS: Record<Health['status'], string> = {
  ok: 'All systems working',
  degraded: 'Needs attention',
  down: 'Not working',
};

export const GPU_WORKER_STATES: Record<GpuWorkerHealth['state'], { text: string; tone: 'success' | 'info' | 'danger' }> = {
  idle: { text: 'Idle', tone: 'success' },
  busy: { text: 'Busy', tone: 'info' },
  lost: { text: 'Lost', tone: 'danger' },
};

/** Lost workers first (they need someone), then busy, then idle; by id within each. */
export function sortGpuWorkers(workers: GpuWorkerHealth[]): GpuWorkerHealth[] {
  const order = { lost: 0, busy: 1, idle: 2 } as const;
  return [...workers].sort((a, b) => order[a.state] - order[b.state] || a.workerId.localeCompare(b.workerId));
}

/** How long ago a GPU worker last reported, in plain words. */
export function silenceText(worker: GpuWorkerHealth): string {
  const seconds = Math.round(worker.silentSeconds);
  if (worker.state === 'lost') return `no word for ${seconds} s`;
  return seconds <= 1 ? 'reported just now' : `last report ${seconds} s ago`;
}

const VOLUME_LABELS: Record<DiskVolume['name'], string> = { data: 'Data volume', logs: 'Log volume' };

export const VOLUME_STATES: Record<DiskVolume['state'], { text: string; tone: 'success' | 'warning' | 'danger' }> = {
  ok: { text: 'OK', tone: 'success' },
  low: { text: 'Low', tone: 'warning' },
  full: { text: 'Full', tone: 'danger' },
};

export interface VolumeLine {
  name: DiskVolume['name'];
  label: string;
  state: DiskVolume['state'];
  /** "2.1 GB free of 250 GB", or that the logs share the data volume. */
  text: string;
  path: string;
}

/** One line per volume for the System page: free space of the whole, or that the logs share the data volume. */
export function volumeLines(health: Health): VolumeLine[] {
  return health.disk.volumes.map((volume) => ({
    name: volume.name,
    label: VOLUME_LABELS[volume.name],
    state: volume.state,
    text: volume.sameVolumeAsData ? 'on the data volume' : `${sizeText(volume.freeMb)} free of ${sizeText(volume.totalMb)}`,
    path: volume.path,
  }));
}

export interface GpuLines {
  /** "NVIDIA H100 80GB HBM3 · 78.6 GB free of 79.2 GB", "Simulated GPU (…)", "Being checked…". */
  summary: string;
  /** "torch 2.7.0+cu128, CUDA 12.8", per engine when their Pythons differ; null when no Python answered. */
  versions: string | null;
  /** Why its jobs fail (or run on the CPU), in plain words; null when the GPU is fine. */
  problem: string | null;
  /** The jobs of an engine that cannot use the GPU fail at once. */
  refusing: boolean;
}

const capitaliseFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const megabytes = (mb: number | null) => (mb === null ? null : sizeText(mb));

/** What the System page says about a worker's GPU; null for a worker that did not report one. */
export function gpuLines(gpu: GpuReport | null): GpuLines | null {
  if (!gpu) return null;
  const free = megabytes(gpu.freeMb);
  const total = megabytes(gpu.totalMb);
  const memory = free && total ? ` · ${free} free of ${total}` : '';
  const summaries: Record<GpuReport['state'], string> = {
    usable: `${gpu.device ?? 'GPU'}${memory}`,
    simulated: `${gpu.device ?? 'Simulated GPU'}${memory}`,
    // A device one engine can use and another cannot: the problem line says which.
    unusable: gpu.device ? `${gpu.device}${memory}` : 'No usable GPU',
    checking: 'Being checked…',
    unchecked: gpu.reason ?? 'Not checked',
  };
  const answered = gpu.probes.filter((p) => p.torch !== null || p.python !== null);
  const versionOf = (p: GpuReport['probes'][number]) =>
    p.torch === null ? 'no torch' : `torch ${p.torch}, ${p.cuda ? `CUDA ${p.cuda}` : 'no CUDA'}`;
  const distinct = new Set(answered.map(versionOf));
  const versions =
    answered.length === 0 ? null : distinct.size === 1 ? [...distinct][0]! : answered.map((p) => `${p.label}: ${versionOf(p)}`).join('; ');
  const unusable = gpu.state === 'unusable';
  const problem = unusable
    ? `${capitaliseFirst(gpu.reason ?? 'cannot use its GPU.')}${gpu.cpuAllowed ? ' Its engines run on the CPU instead (ALLOW_CPU_ENGINES), slowly.' : ''}`
    : null;
  return { summary: summaries[gpu.state], versions, problem, refusing: unusable && !gpu.cpuAllowed };
}
