import type { GenerationParams } from '../contracts/generations';

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
  /**
   * A generation the worker that takes the slot gives to its engine at once: the prompt runs while the workflow
   * sends the job's pinned activity, which then takes over the running prompt instead of submitting it (the graph
   * still goes to, and the images still come from, the pinned worker's ComfyUI).
   */
  generation?: { generationId: string; params: GenerationParams };
}

/** Error type of the retryable failure a busy GPU worker answers with; the workflow keeps asking. */
export const GPU_BUSY = 'GpuBusy';
