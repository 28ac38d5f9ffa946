import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { withCorrelationId } from '../logger/correlation';
import { correlationFromHeaders } from './correlation-header';

/**
 * Runs each activity inside its workflow's correlation id (from the Temporal header, else the workflow id),
 * so every line it logs, through our logger or `activity.log`, carries that id.
 */
export const correlationActivityInterceptor: ActivityInterceptorsFactory = (ctx: Context) => {
  let correlationId = ctx.info.workflowExecution?.workflowId ?? ctx.info.activityId;
  return {
    inbound: {
      execute: (input, next) => {
        correlationId = correlationFromHeaders(input.headers) ?? correlationId;
        return withCorrelationId(correlationId, () => next(input));
      },
    },
    outbound: {
      getLogAttributes: (input, next) => next({ ...input, correlation_id: correlationId }),
    },
  };
};
