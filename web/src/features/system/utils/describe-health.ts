import type { Health } from '../../../../../lib/contracts/health';

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
