import { Context } from '@temporalio/activity';

/**
 * How often a GPU activity heartbeats. A cancellation (Stop, Cancel) reaches an activity only in the answer to a
 * heartbeat, and the GPU worker sends them to Temporal at most once a second (see HEARTBEAT_THROTTLE): so the
 * engine hears of a Stop or a Cancel within about a second.
 */
export const HEARTBEAT_EVERY_MS = 500;
/** The GPU worker's heartbeat throttle (WorkerOptions.maxHeartbeatThrottleInterval and its default). */
export const HEARTBEAT_THROTTLE = '1 second';

/**
 * Heartbeats the current activity every {@link HEARTBEAT_EVERY_MS} with `details()`, calling `onBeat` each time,
 * until the returned function is called. (Not at once: Temporal already knows the activity started, and a job of
 * a few hundred milliseconds needs no beat at all.)
 */
export function beatUntilDone(details: () => unknown, onBeat: () => void = () => undefined): () => void {
  const activity = Context.current();
  const timer = setInterval(() => {
    activity.heartbeat(details());
    onBeat();
  }, HEARTBEAT_EVERY_MS);
  return () => clearInterval(timer);
}
