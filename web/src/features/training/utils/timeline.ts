/** The milestones worth a word before their message (the end of a run, a kept checkpoint, a new model). */
const LABELS: Record<string, { text: string; tone: 'info' | 'success' | 'warning' | 'danger' }> = {
  checkpoint_kept: { text: 'Kept', tone: 'info' },
  lora: { text: 'Model', tone: 'success' },
  completed: { text: 'Completed', tone: 'success' },
  stopped: { text: 'Stopped', tone: 'warning' },
  failed: { text: 'Failed', tone: 'danger' },
  oom_retry: { text: 'Retry', tone: 'warning' },
  low_vram: { text: 'Low memory', tone: 'warning' },
  retry: { text: 'Retry', tone: 'warning' },
  resumed: { text: 'Resumed', tone: 'info' },
  continued: { text: 'Continued', tone: 'info' },
};

export function timelineLabel(kind: string) {
  return Object.hasOwn(LABELS, kind) ? LABELS[kind] : undefined;
}

/** The kind as a class name: the server may add kinds, and only safe characters make it into the markup. */
export const timelineKindClass = (kind: string) => `timeline-item--${kind.replace(/[^A-Za-z0-9_-]/g, '') || 'event'}`;
