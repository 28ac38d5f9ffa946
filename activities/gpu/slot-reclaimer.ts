import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { GpuContext } from './context';

const LOOK_EVERY_MS = 2_000;
/** Between two activities of a job a slot rests for milliseconds; one untouched this long is worth a look. */
const IDLE_MS = 2_000;

/** How the workflow holding a slot has ended ('terminated', 'missing', …), or undefined while it runs or is unknown. */
async function workflowEnded(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    const { status } = await client.workflow.getHandle(workflowId).describe();
    return status.name === 'RUNNING' || status.name === 'PAUSED' ? undefined : status.name.toLowerCase();
  } catch (err) {
    // Temporal unreachable: nothing is known, the slot stays held.
    return err instanceof WorkflowNotFoundError ? 'missing' : undefined;
  }
}

/**
 * Frees the slots of jobs whose workflow has ended without releasing them: an operator terminated it, it timed out,
 * or Temporal lost it. Temporal says so (describe); the job's GPU activity has already stopped (its next heartbeat
 * was refused), so the next job can start at once instead of after the slot's lifetime. Returns a stop function.
 */
export function startSlotReclaimer(ctx: GpuContext, client: Client): () => void {
  let looking = false;
  const look = async () => {
    if (looking) return;
    looking = true;
    try {
      for (const { jobId, workflowId } of ctx.leases.idle(IDLE_MS)) {
        const ended = await workflowEnded(client, workflowId);
        if (ended && ctx.leases.release(jobId)) {
          ctx.logger.info('gpu.slot_reclaimed', `GPU slot of ${jobId} freed: its workflow is ${ended}`, { jobId, workflowId, workerId: ctx.workerId });
        }
      }
    } finally {
      looking = false;
    }
  };
  const timer = setInterval(() => void look(), LOOK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
