import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control';
import { CONTROL_QUEUE } from '../lib/temporal/queues';

/**
 * Activity proxies grouped by timeout profile. Workflow files import these, so timeouts and retries live in
 * one place. Pinned GPU activities are built per job in ./gpu-pinning.ts (their queue is only known at run time).
 */

/** Database writes and CPU-only work. Retried without limit so a database outage delays jobs instead of failing them. */
export const control = proxyActivities<ControlActivities>({
  taskQueue: CONTROL_QUEUE,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds' },
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

/**
 * The same database writes run inside the control worker that runs the workflow (every workflow runs there), with
 * no trip through a task queue: for a record someone is waiting to see. They hold the workflow task open while they
 * run, so only short writes belong here.
 */
export const localControl = proxyLocalActivities<ControlActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds' },
});

/**
 * Model downloads (control queue: no GPU, the shared data root, the database). An attempt may take hours; a worker
 * that dies is noticed by the missing heartbeats within 30 s and the next attempt resumes from the part file.
 * Network trouble is retried with backoff for about an hour, then the workflow ends with the reason.
 */
export const downloads = proxyActivities<ControlActivities>({
  taskQueue: CONTROL_QUEUE,
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 40 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
