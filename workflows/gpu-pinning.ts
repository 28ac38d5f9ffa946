import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  deprecatePatch,
  log,
  proxyActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import { TimeoutType, type Duration } from '@temporalio/common';
import type { PinnedGpuActivities, SharedGpuActivities } from '../activities/gpu';
import type { GpuLease } from '../lib/temporal/gpu-contracts';
import { GPU_QUEUE } from '../lib/temporal/queues';

export interface GpuTimeouts {
  /** How long a task may wait on a worker's own queue before the worker counts as gone. */
  scheduleToStart: Duration;
  /** How long a running GPU activity may stay silent before its worker counts as crashed. */
  heartbeat: Duration;
  /** Longest single attempt of one GPU activity. */
  startToClose: Duration;
}

export const DEFAULT_GPU_TIMEOUTS: GpuTimeouts = {
  scheduleToStart: '1 minute',
  heartbeat: '1 minute',
  startToClose: '24 hours',
};

/** Timeouts from the configuration: the same "lost after" for a task never started and a running one gone silent. */
export function gpuTimeoutsFor(lostAfterSeconds: number): GpuTimeouts {
  return { ...DEFAULT_GPU_TIMEOUTS, scheduleToStart: `${lostAfterSeconds} seconds`, heartbeat: `${lostAfterSeconds} seconds` };
}

/**
 * Workflows that began before the acquire waited for its answer on cancel were retired (README, "Upgrading"); the
 * marker is still written for the workers of the release before, which replay with `patched()`.
 */
const ACQUIRE_ANSWERS_CANCEL = 'gpu-acquire-answers-cancel';

/** How many times a job may move to another worker before it fails with an explanation. */
export const MAX_WORKER_MOVES = 5;

export interface PinnedGpu {
  lease: GpuLease;
  activities: PinnedGpuActivities;
  /** Progress carried over from a worker that was lost (its last heartbeat), if any. */
  resume: unknown;
}

/** The worker behind a pinned queue is gone when a task never started there, or a running one stopped heartbeating. */
function lostWorkerTimeout(err: unknown): TimeoutFailure | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof TimeoutFailure)) return undefined;
  const type = err.cause.timeoutType;
  return type === TimeoutType.SCHEDULE_TO_START || type === TimeoutType.HEARTBEAT ? err.cause : undefined;
}

/**
 * The job gave up moving: an ApplicationFailure, so it fails the workflow (a plain Error thrown by workflow code
 * would only fail its task, which Temporal retries for ever).
 */
export function gpuWorkersLost(moves: number): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`The GPU worker was lost ${moves} times in a row; the job stopped moving to another one`, 'GpuWorkersLost');
}

export interface PinnedGpuOptions {
  timeouts?: GpuTimeouts;
  /** Who asked: the shared queue hands out slots fairly between fairness keys (users). */
  fairnessKey?: string;
  /**
   * Only for generations the previous release started (workflows/legacy/): its worker gave the slot back itself
   * when the work succeeded, so the workflow did not release it then.
   */
  slotFreedByWork?: boolean;
}

/**
 * Runs `work` on one GPU worker: acquires a worker through the shared queue, then sends every GPU activity of the
 * job to that worker's own queue (design §3, GPU pinning), and gives the slot back when `work` is over, however it
 * ended. If the worker disappears, the job goes back to the shared queue and continues on another worker, with the
 * lost worker's last heartbeat as `resume`.
 */
export async function withPinnedGpu<T>(jobId: string, work: (gpu: PinnedGpu) => Promise<T>, options: PinnedGpuOptions = {}): Promise<T> {
  const { timeouts = DEFAULT_GPU_TIMEOUTS, fairnessKey = 'default', slotFreedByWork = false } = options;
  deprecatePatch(ACQUIRE_ANSWERS_CANCEL);
  // Waits in the shared queue until a GPU worker has a free slot; the server hands out slots fairly between
  // fairness keys (users), so one user's long queue does not starve another's.
  const { acquireGpu } = proxyActivities<SharedGpuActivities>({
    taskQueue: GPU_QUEUE,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 1.5, maximumInterval: '5 seconds' },
    // A cancel that comes while a worker is taking the slot waits for that answer (a few milliseconds; a queued or
    // retrying acquire is cancelled at once), so the slot it took is released below instead of staying taken.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    priority: { fairnessKey },
  });
  let resume: unknown;
  for (let move = 0; ; move++) {
    const lease = await acquireGpu({ jobId }).catch((err: unknown) => {
      // An attempt under way when the cancel came answers with its own outcome ("all GPUs busy"), and the acquire
      // retries for ever otherwise: once the job is cancelled, any failure here is that cancel.
      if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('Cancelled', [], err as Error);
      throw err;
    });
    const activities = proxyActivities<PinnedGpuActivities>({
      taskQueue: lease.queue,
      scheduleToStartTimeout: timeouts.scheduleToStart,
      heartbeatTimeout: timeouts.heartbeat,
      startToCloseTimeout: timeouts.startToClose,
      // A crashed engine restarts from its last checkpoint; after five crashes in a row the job fails with the
      // engine's own last words.
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
    try {
      const result = await work({ lease, activities, resume });
      if (!slotFreedByWork) await releaseQuietly(lease, jobId);
      return result;
    } catch (err) {
      const lost = lostWorkerTimeout(err);
      if (!lost) {
        await releaseQuietly(lease, jobId);
        throw err;
      }
      if (move + 1 >= MAX_WORKER_MOVES) throw gpuWorkersLost(move + 1);
      resume = lost.lastHeartbeatDetails ?? resume;
      log.warn(`GPU worker ${lease.workerId} was lost (${lost.timeoutType}); moving ${jobId} to another worker`, {
        event: 'gpu.worker_lost',
        workerId: lease.workerId,
        timeoutType: lost.timeoutType,
        resume,
      });
    }
  }
}

/**
 * Frees the worker's slot, whether or not the job was cancelled meanwhile. If the worker is already gone its slot
 * went with it, so a failure is ignored.
 */
async function releaseQuietly(lease: GpuLease, jobId: string): Promise<void> {
  const { releaseGpu } = proxyActivities<PinnedGpuActivities>({
    taskQueue: lease.queue,
    scheduleToStartTimeout: '10 seconds',
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 1 },
  });
  await CancellationScope.nonCancellable(() => releaseGpu({ jobId }).catch(() => undefined));
}
