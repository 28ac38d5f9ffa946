/** What the shared-queue "acquire GPU" activity answers: where to send the job's GPU activities. Workflow-safe. */
export interface GpuLease {
  workerId: string;
  /** The worker-specific queue (`isengard-gpu.<workerId>`). */
  queue: string;
  /** Temporal identity of the worker process, `pid@host`. */
  identity: string;
}

/** What a workflow asks the shared queue for. Workflow-safe. */
export interface AcquireGpuInput {
  jobId: string;
}

/** Error type of the retryable failure a busy GPU worker answers with; the workflow keeps asking. */
export const GPU_BUSY = 'GpuBusy';
