import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/workflow';

/** The most useful human-readable reason in a failure chain (the activity's own message, not the wrapper's). */
export function describeFailure(err: unknown): string {
  if (err instanceof CancelledFailure) return 'Cancelled';
  if (err instanceof ActivityFailure && err.cause) return describeFailure(err.cause);
  if (err instanceof TimeoutFailure) return `Timed out (${(err.timeoutType ?? 'unknown').toLowerCase().replaceAll('_', ' ')})`;
  if (err instanceof ApplicationFailure || err instanceof Error) return err.message || err.name;
  return String(err);
}

/** The failure's category: the type of the ApplicationFailure an activity threw (`oom`, `NoUsablePhotos`, …), if any. */
export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
