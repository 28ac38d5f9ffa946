import { AsyncLocalStorage, workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';
import type { Headers } from '@temporalio/common';
import { correlationFromHeaders, withCorrelationHeader } from '../lib/temporal/correlation-header';

/**
 * Carries the correlation id of the request that started (or signalled) a workflow into everything the workflow
 * does: the activities it schedules and every `log` line. Registered by module path on the worker and bundle.
 */
const storage = new AsyncLocalStorage<string>();

function current(): string {
  return storage.getStore() ?? workflowInfo().workflowId;
}

function within<T>(headers: Headers, fn: () => T): T {
  const id = correlationFromHeaders(headers);
  return id ? storage.run(id, fn) : fn();
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [
    {
      execute: (input, next) => within(input.headers, () => next(input)),
      handleSignal: (input, next) => within(input.headers, () => next(input)),
      handleUpdate: (input, next) => within(input.headers, () => next(input)),
      handleQuery: (input, next) => within(input.headers, () => next(input)),
    },
  ],
  outbound: [
    {
      scheduleActivity: (input, next) => next({ ...input, headers: withCorrelationHeader(input.headers, current()) }),
      scheduleLocalActivity: (input, next) =>
        next({ ...input, headers: withCorrelationHeader(input.headers, current()) }),
      startChildWorkflowExecution: (input, next) =>
        next({ ...input, headers: withCorrelationHeader(input.headers, current()) }),
      signalWorkflow: (input, next) => next({ ...input, headers: withCorrelationHeader(input.headers, current()) }),
      continueAsNew: (input, next) => next({ ...input, headers: withCorrelationHeader(input.headers, current()) }),
      getLogAttributes: (input, next) => next({ ...input, correlation_id: current() }),
    },
  ],
  internals: [{ dispose: (input, next) => (storage.disable(), next(input)) }],
});
