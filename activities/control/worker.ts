import { Worker, type NativeConnection } from '@temporalio/worker';
import { correlationActivityInterceptor } from '../../lib/temporal/activity-interceptor';
import { CONTROL_QUEUE } from '../../lib/temporal/queues';
import { workflowSource } from '../workflow-source';
import type { ControlContext } from './context';
import { createControlActivities } from './index';

/** The `isengard-control` worker: every workflow, and the activities that touch the database. */
export async function createControlWorker(
  connection: NativeConnection,
  ctx: ControlContext,
  options: { taskQueue?: string; workflowBundle?: string } = {},
): Promise<Worker> {
  const source = workflowSource(options.workflowBundle ?? process.env.WORKFLOW_BUNDLE);
  return Worker.create({
    connection,
    namespace: ctx.config.temporal.namespace,
    taskQueue: options.taskQueue ?? CONTROL_QUEUE,
    activities: createControlActivities(ctx),
    ...source,
    interceptors: { ...source.interceptors, activity: [correlationActivityInterceptor] },
    shutdownGraceTime: '30 seconds',
    // Cancellation reaches an activity only with a heartbeat's answer: a stopped download stops within seconds.
    maxHeartbeatThrottleInterval: '2 seconds',
  });
}
