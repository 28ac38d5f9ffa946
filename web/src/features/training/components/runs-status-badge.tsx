import type { TrainingRunSummary } from '../../../../../lib/contracts/training';
import { Badge } from '../../../components/ui/badge';

type Tone = 'neutral' | 'info' | 'success' | 'danger' | 'warning';

/** The same words and colours as the run page's badge. */
export const RUN_STATUS_BADGE: Record<TrainingRunSummary['status'], { tone: Tone; text: string }> = {
  queued: { tone: 'neutral', text: 'Queued' },
  running: { tone: 'info', text: 'Running' },
  completed: { tone: 'success', text: 'Completed' },
  failed: { tone: 'danger', text: 'Failed' },
  stopped: { tone: 'warning', text: 'Stopped' },
};

export function RunStatusBadge({ run }: { run: Pick<TrainingRunSummary, 'status' | 'stopRequestedAt'> }) {
  const active = run.status === 'queued' || run.status === 'running';
  const badge = active && run.stopRequestedAt ? { tone: 'warning' as const, text: 'Stopping' } : RUN_STATUS_BADGE[run.status];
  return <Badge tone={badge.tone}>{badge.text}</Badge>;
}
