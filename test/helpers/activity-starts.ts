import type { TestStack } from './stack';

/** How many times an activity of a workflow started (from its history): 1 when its failure was not retried. */
export async function activityStarts(stack: TestStack, workflowId: string, activityType: string): Promise<number> {
  const history = await stack.plane.temporal.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Set(
    (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((e) => String(e.eventId)),
  );
  return (history.events ?? []).filter((e) => scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId))).length;
}
