import type {
  WorkflowClientInterceptor,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowStartUpdateInput,
} from '@temporalio/client';
import { currentCorrelationId } from '../logger/correlation';
import { withCorrelationHeader } from './correlation-header';

/** Puts the current request's correlation id into every call that reaches a workflow. */
export class CorrelationClientInterceptor implements WorkflowClientInterceptor {
  startWithDetails: WorkflowClientInterceptor['startWithDetails'] = (input: WorkflowStartInput, next) =>
    next({ ...input, headers: withCorrelationHeader(input.headers, currentCorrelationId()) });

  signalWithStart: WorkflowClientInterceptor['signalWithStart'] = (input: WorkflowSignalWithStartInput, next) =>
    next({ ...input, headers: withCorrelationHeader(input.headers, currentCorrelationId()) });

  signal: WorkflowClientInterceptor['signal'] = (input: WorkflowSignalInput, next) =>
    next({ ...input, headers: withCorrelationHeader(input.headers, currentCorrelationId()) });

  query: WorkflowClientInterceptor['query'] = (input: WorkflowQueryInput, next) =>
    next({ ...input, headers: withCorrelationHeader(input.headers, currentCorrelationId()) });

  startUpdate: WorkflowClientInterceptor['startUpdate'] = (input: WorkflowStartUpdateInput, next) =>
    next({ ...input, headers: withCorrelationHeader(input.headers, currentCorrelationId()) });
}
