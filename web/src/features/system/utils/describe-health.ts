import type { GpuWorkerHealth, Health } from '../../../../../lib/contracts/health';

export type CheckName = keyof Health['checks'];

/** What each check is called for someone who has never heard of Temporal. */
export const CHECK_LABELS: Record<CheckName, string> = {
  temporal: 'Job engine (Temporal)',
  database: 'Database',
  workers: 'Workers',
  engines: 'Training and image engines',
  models: 'Base models',
};

const CHECK_ORDER: CheckName[] = ['database', 'temporal', 'workers', 'engines', 'models'];

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
