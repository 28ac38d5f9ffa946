import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control';
import { CONTROL_QUEUE } from '../lib/temporal/queues';

/**
 * Proxies of the control activities, grouped by timeout profile. Workflow files import these, so timeouts and
 * retries live in one place. Pinned GPU activities are built per job in ./gpu-pinning.ts (their queue is only known
 * at run time).
 */

/**
 * Database writes and CPU-only work. Transient failures (the database unreachable, say) are retried for up to a
 * day, so an outage delays jobs instead of failing them; a deterministic failure (a damaged file, a refused record,
 * a bug) is non-retryable and ends the job at once with its reason (activities/control/failures.ts).
 */
export const control = proxyActivities<ControlActivities>({
  taskQueue: CONTROL_QUEUE,
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

/**
 * The same control activities run by the control worker that runs the workflow, in its own process (every
 * workflow runs there): no trip through the task queue, for the short writes a person waits on (a generation's
 * "running" and its images). The same retries as above.
 */
export const localControl = proxyLocalActivities<ControlActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

/**
 * Model downloads (control queue: no GPU, the shared data root, the database). An attempt may take hours (it
 * reconnects and resumes by itself); a worker that dies is noticed by the missing heartbeats within 30 s and the
 * next attempt resumes from the part file. An attempt that fails outright is tried five more times over about a
 * minute (each failure's reason shows on the model's card meanwhile), then the download ends with that reason.
 */
export const downloads = proxyActivities<ControlActivities>({
  taskQueue: CONTROL_QUEUE,
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * Likeness scoring at the end of a training run (control queue: CPU and the database). Most samples are scored live
 * as they arrive; what is left takes about a second a sample on a busy CPU, and the largest run the settings allow
 * makes about 1,200 (6 prompts × 200 sample steps), hence 30 minutes an attempt. It heartbeats every few seconds,
 * so a worker that dies is noticed within a minute, and the next attempt scores only what is left.
 */
export const likeness = proxyActivities<ControlActivities>({
  taskQueue: CONTROL_QUEUE,
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});
