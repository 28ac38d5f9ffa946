import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from '../logger/logger';

const LEVELS = { TRACE: 'DEBUG', DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARN', ERROR: 'ERROR' } as const;

/** SDK warnings that describe our design, not a problem: a GPU worker runs activities only. */
const EXPECTED = new Set(['No workflows registered, not polling for workflow tasks']);

/** Turns one Temporal SDK log entry (worker, workflow, activity or Rust core) into a line of ours. */
export function forwardSdkEntry(logger: Logger, entry: LogEntry): void {
  const { correlation_id, event, sdkComponent, ...context } = (entry.meta ?? {}) as Record<string, unknown>;
  const target = typeof correlation_id === 'string' ? logger.child({ correlationId: correlation_id }) : logger;
  const name = typeof event === 'string' ? event : `temporal.${typeof sdkComponent === 'string' ? sdkComponent : 'sdk'}`;
  target.log(EXPECTED.has(entry.message) ? 'DEBUG' : LEVELS[entry.level], name, entry.message, { ...context, sdkComponent });
}

let target: Logger | undefined;

/**
 * Routes the Temporal SDK's own logs (and workflow `log` calls, via its sink) into `logger`. The SDK runtime is
 * installed on the first call, before any Worker or NativeConnection exists; later calls only change the target.
 */
export function installSdkLogger(logger: Logger): void {
  const first = target === undefined;
  target = logger;
  if (!first) return;
  Runtime.install({
    logger: new DefaultLogger('DEBUG', (entry) => target && forwardSdkEntry(target, entry)),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    // Entry points handle SIGINT/SIGTERM themselves and shut their workers down in order.
    shutdownSignals: [],
  });
}
