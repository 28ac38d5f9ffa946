import os from 'node:os';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { isProcessAlive } from '../../lib/process-alive';
import { STATUS } from '../../lib/temporal/search-attributes';
import type { GpuContext } from './context';

// A CommonJS package: its namespaces are only reachable through the default export under Node's ESM loader.
const { STARTED } = { STARTED: proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED };

/** A Temporal identity (`pid@host`) of a process on this host that no longer runs. */
function deadHereBefore(identity: string, own: string): boolean {
  const at = identity.indexOf('@');
  const pid = Number(identity.slice(0, at));
  return identity !== own && identity.slice(at + 1) === os.hostname() && Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid);
}

/**
 * Once polling: GPU activities that a crashed predecessor of this worker left running on its queue (the supervisor
 * restarts a worker within seconds, with the same id) are failed now, so Temporal retries them at once, from their
 * last checkpoint, instead of after a heartbeat timeout. Temporal says which they are: the running jobs' pending
 * activities on this worker's queue whose last worker is a process of this host that is gone.
 */
export async function handBackLeftovers(ctx: GpuContext, client: Client): Promise<number> {
  let handedBack = 0;
  for await (const workflow of client.workflow.list({ query: `ExecutionStatus = 'Running' AND ${STATUS.name} = 'running'` })) {
    const { raw } = await client.workflow.getHandle(workflow.workflowId, workflow.runId).describe();
    for (const activity of raw.pendingActivities ?? []) {
      const { activityId } = activity;
      if (!activityId || activity.state !== STARTED || activity.activityOptions?.taskQueue?.name !== ctx.queue) continue;
      if (!deadHereBefore(activity.lastWorkerIdentity ?? '', ctx.identity)) continue;
      try {
        await client.activity.fail(
          { workflowId: workflow.workflowId, runId: workflow.runId, activityId },
          ApplicationFailure.retryable('The GPU worker running it stopped (restarted after a crash)', 'WorkerRestarted'),
        );
        handedBack++;
        ctx.logger.info('worker.activity_recovered', `Handed back ${activity.activityType?.name} of ${workflow.workflowId} left by a crashed worker`, {
          workflowId: workflow.workflowId,
          previousIdentity: activity.lastWorkerIdentity,
        });
      } catch {
        // Timed out or finished meanwhile: nothing to hand back.
      }
    }
  }
  return handedBack;
}
