import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import proto from '@temporalio/proto';

// A CommonJS package: its namespaces are only reachable through the default export under Node's ESM loader.
const { HistoryEventFilterType } = proto.temporal.api.enums.v1;

/** What Temporal says of a job's workflow: running, closed (how, and the last word of its history), or unknown to it. */
export type WorkflowFate =
  | { state: 'running' }
  | { state: 'missing' }
  | { state: 'closed'; status: string; detail: string | undefined };

/** The reason written in the closing event: an operator's termination reason, a failure's message. */
async function closingDetail(temporal: Client, workflowId: string, runId: string): Promise<string | undefined> {
  const { history } = await temporal.workflowService.getWorkflowExecutionHistory({
    namespace: temporal.options.namespace,
    execution: { workflowId, runId },
    historyEventFilterType: HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
  });
  const event = history?.events?.at(-1);
  const reason =
    event?.workflowExecutionTerminatedEventAttributes?.reason ??
    event?.workflowExecutionFailedEventAttributes?.failure?.cause?.message ??
    event?.workflowExecutionFailedEventAttributes?.failure?.message;
  return reason?.trim() || undefined;
}

/** Asks Temporal about one workflow. Throws when Temporal cannot be asked (then nothing is known). */
export async function workflowFate(temporal: Client, workflowId: string): Promise<WorkflowFate> {
  try {
    const description = await temporal.workflow.getHandle(workflowId).describe();
    if (description.status.name === 'RUNNING' || description.status.name === 'PAUSED') return { state: 'running' };
    const detail = await closingDetail(temporal, workflowId, description.runId).catch(() => undefined);
    return { state: 'closed', status: description.status.name, detail };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { state: 'missing' };
    throw err;
  }
}

/** How a job whose workflow ended without recording it is closed: its category and the reason in plain words. */
export function orphanReason(fate: Exclude<WorkflowFate, { state: 'running' }>, everStarted: boolean): { code: string; message: string } {
  if (fate.state === 'missing') {
    return everStarted
      ? { code: 'workflow_lost', message: "Its workflow was lost: the job server's data was reset. Start it again." }
      : {
          code: 'workflow_lost',
          message: "Its workflow is missing: it never reached the job server (Isengard stopped while starting it), or the job server's data was reset. Start it again.",
        };
  }
  const detail = fate.detail ? ` (${fate.detail})` : '';
  switch (fate.status) {
    case 'TERMINATED':
      return { code: 'terminated', message: `Ended by an operator in the Temporal UI${fate.detail ? ` (reason: ${fate.detail})` : ''}` };
    case 'TIMED_OUT':
      return { code: 'timed_out', message: 'Its workflow timed out in Temporal' };
    case 'CANCELLED':
      return { code: 'cancelled', message: 'Cancelled in Temporal' };
    case 'FAILED':
      return { code: 'failed', message: `Its workflow failed${detail}` };
    default:
      return { code: 'workflow_ended', message: `Its workflow ended (${fate.status.toLowerCase()}) without recording the result` };
  }
}
